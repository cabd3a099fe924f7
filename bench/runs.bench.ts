/**
 * One-shot run latency: `POST /api/v1/runs?wait=true` running `echo hi` in busybox, against
 * `docker run --rm` (or `podman --url ... run --rm`) by hand on the same engine.
 *
 *   npm run build && npm run bench:runs -- --engine docker [--runs 20]
 *
 * Starts the real API in-process (real Redis at BERTH_BENCH_REDIS_URL, default
 * redis://127.0.0.1:6379), times sequential runs of each after 2 warm-up runs, prints medians and
 * the ratio. Prints figures; it is not a test and asserts nothing about speed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import TOML from '@iarna/toml';
import { Redis } from 'ioredis';
import { composeApi } from '../src/composition';
import { parseConfig } from '../src/config/config.loader';
import { createLogger } from '../src/logging/logger';

const SOCKETS = { docker: '/var/run/docker.sock', podman: '/run/berth/podman.sock' } as const;
type EngineName = keyof typeof SOCKETS;
const IMAGE = 'berth-test/busybox:latest';
const run = promisify(execFile);

function parseArgs(argv: string[]): { engine: EngineName; runs: number } {
  const options = { engine: 'docker' as EngineName, runs: 20 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--engine' && (value === 'docker' || value === 'podman')) options.engine = value;
    else if (flag === '--runs' && Number(value) > 0) options.runs = Number(value);
    else throw new Error(`usage: runs.bench [--engine docker|podman] [--runs N]; bad ${flag} ${value}`);
  }
  return options;
}

async function time(what: string, n: number, once: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 2; i++) await once();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await once();
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)] ?? NaN;
  process.stdout.write(`${what}: median ${median.toFixed(1)} ms over ${n}\n`);
  return median;
}

async function main(): Promise<void> {
  const { engine, runs } = parseArgs(process.argv.slice(2));
  const instance = `bench${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  const token = randomBytes(16).toString('hex');
  const config = parseConfig(
    TOML.stringify({
      server: { host: '127.0.0.1', port: 0, data_dir: dataDir, instance },
      docker: { runtime: engine, socket_path: SOCKETS[engine] },
      redis: { url: process.env.BERTH_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `berth-bench:${instance}` },
      auth: { tokens: [token] },
      proxy: { enabled: false },
      log: { level: 'error' },
    }),
    'bench.toml',
  );
  const api = composeApi(config, createLogger(config.log, 'bench'));
  await api.redisReady(5000);
  const server = api.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/runs?wait=true`;
  try {
    const berth = await time('Berth POST /runs?wait=true', runs, async () => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ image: IMAGE, command: ['echo', 'hi'] }),
      });
      const body = (await res.json()) as { status?: string; stdout?: string };
      if (body.status !== 'succeeded' || body.stdout !== 'hi') throw new Error(`run answered ${JSON.stringify(body)}`);
    });
    const cli =
      engine === 'docker' ? ['docker', ['run', '--rm', IMAGE, 'echo', 'hi']] : ['podman', ['--url', `unix://${SOCKETS.podman}`, 'run', '--rm', IMAGE, 'echo', 'hi']];
    const byHand = await time(`${cli[0] as string} run --rm`, runs, async () => void (await run(cli[0] as string, cli[1] as string[])));
    process.stdout.write(`ratio Berth / by hand: ${(berth / byHand).toFixed(2)}x\n`);
  } finally {
    server.close();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
    // The bench's own records: its prefix is its own.
    const redis = new Redis(config.redis.url);
    const keys = await redis.keys(`${config.redis.prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
