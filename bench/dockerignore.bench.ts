/**
 * `.dockerignore` matching benchmark: patterns that make backtracking matchers run for minutes,
 * against long names, and a typical `.dockerignore` over a context of many files.
 *
 *   npm run build && node dist/bench/dockerignore.bench.js [--files 20000]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IgnoreMatcher } from '../src/engine/ignore-matcher';
import { packContext } from '../src/engine/context-archive';

const PATHOLOGICAL: Array<[string, string]> = [
  ['(a+)+b', 'a'.repeat(255)],
  ['*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(255)],
  ['**/*a*a*a*a*a*a*b', `${'a/'.repeat(1000)}${'a'.repeat(255)}`],
  [`${'a*'.repeat(2000)}b`, 'a'.repeat(4000)],
];

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function pathological(): void {
  print('pattern (first 30 chars) | name length | steps | ms');
  for (const [pattern, name] of PATHOLOGICAL) {
    const matcher = IgnoreMatcher.parse(pattern);
    const started = process.hrtime.bigint();
    matcher.match(name, [false]);
    print(`${pattern.slice(0, 30)} | ${name.length} | ${matcher.steps} | ${(seconds(started) * 1000).toFixed(1)}`);
  }
}

async function typical(files: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-ignore-'));
  try {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(dir, '.dockerignore'), 'node_modules\n**/*.log\n!keep.log\ndist/**\n.git\n**/__pycache__\n*.tmp\ncoverage\n');
    for (let i = 0; i < files; i++) {
      const sub = join(dir, `src/module-${i % 200}/part-${i % 7}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, i % 10 === 0 ? `file-${i}.log` : `file-${i}.ts`), '');
    }
    const started = process.hrtime.bigint();
    const archive = await packContext(dir, 'Dockerfile');
    const selected = seconds(started);
    let bytes = 0;
    for await (const chunk of archive) bytes += (chunk as Buffer).length;
    print(`typical .dockerignore (8 rules), ${files} files: selection ${selected.toFixed(2)} s, whole archive ${seconds(started).toFixed(2)} s, ${bytes} bytes`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--files');
  const files = at > 0 ? Number(process.argv[at + 1]) : 20_000;
  pathological();
  await typical(files);
}

void main();
