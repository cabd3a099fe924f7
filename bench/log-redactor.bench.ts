/**
 * Log redaction benchmark: how fast the worker hides a build's secret values in its log lines,
 * for a build with a few secrets and one with many, on typical and on long lines.
 *
 *   npm run build && node dist/bench/log-redactor.bench.js [--lines 200000]
 */
import { randomBytes } from 'node:crypto';
import { LogRedactor } from '../src/builds/log-redactor';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

function secrets(count: number): string[] {
  return Array.from({ length: count }, () => randomBytes(20).toString('base64url'));
}

/** Build output as npm prints it, with a secret in one line of every hundred. */
function lines(count: number, width: number, values: string[]): string[] {
  const filler = 'npm http fetch GET 200 https://registry.npmjs.org/some-package 42ms (cache miss) ';
  return Array.from({ length: count }, (_, i) => {
    const text = filler.repeat(Math.ceil(width / filler.length)).slice(0, width);
    return i % 100 === 0 ? `${text.slice(0, width / 2)}${values[i % values.length]}` : text;
  });
}

function measure(label: string, redactor: LogRedactor, input: string[]): void {
  const bytes = input.reduce((sum, line) => sum + line.length, 0);
  const started = process.hrtime.bigint();
  let hidden = 0;
  for (const line of input) if (redactor.redact(line) !== line) hidden++;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perSecond = Math.round(input.length / seconds);
  const mbPerSecond = (bytes / 1e6 / seconds).toFixed(1);
  process.stdout.write(`${label.padEnd(34)} ${perSecond.toLocaleString('en').padStart(11)} lines/s  ${mbPerSecond.padStart(6)} MB/s  (${hidden} lines changed)\n`);
}

const count = Number(arg('lines', '200000'));
for (const [secretCount, width] of [
  [3, 120],
  [50, 120],
  [3, 8000],
  [50, 8000],
] as const) {
  const values = secrets(secretCount);
  const n = width > 1000 ? Math.ceil(count / 50) : count;
  measure(`${secretCount} secrets, ${width}-char lines`, new LogRedactor(values), lines(n, width, values));
}
measure('no secrets, 120-char lines', new LogRedactor(), lines(count, 120, ['x']));
