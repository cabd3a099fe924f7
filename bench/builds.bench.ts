/**
 * Build benchmark: a small repository built through Berth (submit → image) beside the same work
 * by hand (`git clone --depth 1` then `docker build` of the same Dockerfile), and the time from
 * submit to the worker starting the job. Both sides build without cache.
 *
 *   npm run build && npm run bench:builds -- [--engine docker|podman] [--runs 5]
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import TOML from '@iarna/toml';
import { parseConfig } from '../src/config/config.loader';
import { composeApi } from '../src/composition';
import { createLogger } from '../src/logging/logger';
import { composeWorker } from '../workers/worker.composition';
import { startGitServer } from '../test/support/git-server';

// Async: the git server runs in this process, so a blocking clone would wait on itself.
const run = promisify(execFile);

const SOCKETS = { docker: '/var/run/docker.sock', podman: '/run/berth/podman.sock' } as const;

const DOCKERFILE = `FROM berth-test/busybox:latest
WORKDIR /app
COPY . /app
RUN echo "built at $(date)" > /app/built.txt && ls -la /app
CMD ["cat", "/app/built.txt"]
`;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const engine = arg('engine', 'docker') as keyof typeof SOCKETS;
  const runs = Number(arg('runs', '5'));
  const socket = SOCKETS[engine];
  // Podman by hand is the local `podman build` (same storage as the service): the remote client
  // of Podman 4.3 builds a stale Containerfile instead of the one in the given context.
  const cli = engine === 'docker' ? ['docker', '-H', `unix://${socket}`] : ['podman'];
  const git = await startGitServer();
  const files: Record<string, string> = { Dockerfile: DOCKERFILE, 'index.html': '<h1>bench</h1>\n' };
  for (let i = 0; i < 50; i++) files[`src/file${i}.txt`] = `${'x'.repeat(2000)}\n`;
  const { url } = git.push('bench', files);
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  const token = randomBytes(16).toString('hex');
  const config = parseConfig(
    TOML.stringify({
      server: { data_dir: dataDir, instance: `bench${randomBytes(3).toString('hex')}` },
      docker: { runtime: engine, socket_path: socket, build_dir: join(dataDir, 'builds') },
      redis: { prefix: `berth-bench-${randomBytes(3).toString('hex')}` },
      auth: { tokens: [token] },
      git: { allowed_hosts: ['127.0.0.1'] },
      log: { level: 'error' },
      proxy: { enabled: false }, // measures the API alone: no HAProxy on port 80
    }),
    'bench.toml',
  );
  const logger = createLogger(config.log, 'bench');
  const api = composeApi(config, logger);
  const server = api.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  const worker = composeWorker(config, logger);
  await worker.start();
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const byHand: number[] = [];
  const viaBerth: number[] = [];
  const toStart: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const handDir = mkdtempSync(join(tmpdir(), 'berth-bench-hand-'));
      const t0 = performance.now();
      await run('git', ['clone', '--quiet', '--depth', '1', url, join(handDir, 'src')]);
      await run(cli[0] ?? 'docker', [...cli.slice(1), 'build', '--no-cache', '--force-rm', '-q', '-t', `bench-hand:${i}`, join(handDir, 'src')]);
      byHand.push(performance.now() - t0);
      rmSync(handDir, { recursive: true, force: true });

      const t1 = performance.now();
      const body = { git_repo: url, git_branch: 'main', buildpack_type: 'dockerfile', image_tag: `bench-berth:${i}`, no_cache: true };
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/images/build`, { method: 'POST', headers, body: JSON.stringify(body) });
      const { id } = (await res.json()) as { id: string };
      let build: { status: string; timestamps: { queued: string; cloning?: string } };
      do {
        await new Promise((r) => setTimeout(r, 10));
        build = (await (await fetch(`http://127.0.0.1:${port}/api/v1/builds/${id}`, { headers })).json()) as typeof build;
      } while (build.status !== 'succeeded' && build.status !== 'failed');
      viaBerth.push(performance.now() - t1);
      if (process.env.BENCH_DEBUG) {
        const logs = (await (await fetch(`http://127.0.0.1:${port}/api/v1/builds/${id}/logs`, { headers })).json()) as { lines: Array<{ time: string; text: string }> };
        process.stderr.write(`${JSON.stringify(build.timestamps)}\n${logs.lines.map((l) => `${l.time} ${l.text}`).join('\n')}\n`);
      }
      if (build.status !== 'succeeded') throw new Error(`build ${id} failed`);
      toStart.push(Date.parse(build.timestamps.cloning ?? '') - Date.parse(build.timestamps.queued));
    }
  } finally {
    await worker.close();
    server.close();
    await api.close();
    await git.close();
    for (let i = 0; i < runs; i++) {
      for (const tag of [`bench-hand:${i}`, `bench-berth:${i}`]) {
        try {
          execFileSync(cli[0] ?? 'docker', [...cli.slice(1), 'rmi', '-f', tag], { stdio: 'ignore' });
        } catch {
          // already gone
        }
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  const hand = median(byHand);
  const berth = median(viaBerth);
  const lines = [
    `engine: ${engine} (${socket}), runs: ${runs}, repository: Dockerfile + 51 files, no cache`,
    `by hand (git clone --depth 1 + ${cli[0]} build)  median ${hand.toFixed(0)} ms   runs: ${byHand.map((v) => v.toFixed(0)).join(', ')}`,
    `through Berth (submit -> image)        median ${berth.toFixed(0)} ms   runs: ${viaBerth.map((v) => v.toFixed(0)).join(', ')}`,
    `ratio Berth / by hand                  ${(berth / hand).toFixed(2)}`,
    `submit -> worker starts the job        median ${median(toStart).toFixed(0)} ms   runs: ${toStart.join(', ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
