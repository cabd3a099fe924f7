/**
 * Containers list: how much time Berth's `GET /api/v1/containers?all=true` adds on top of the
 * engine's own `GET /containers/json` with the same label filters, on the same socket.
 *
 *   npm run build && npm run bench:containers -- --engine docker [--requests 300] [--warmup 30] [--containers 100]
 *
 * Starts the real API in-process (real Redis at BERTH_BENCH_REDIS_URL, default
 * redis://127.0.0.1:6379), creates running busybox containers labelled as Berth's, times
 * sequential requests to both, prints a table, and removes its containers whatever happens.
 * Prints figures; it is not a test and asserts nothing about speed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import TOML from '@iarna/toml';
import Docker from 'dockerode';
import { composeApi } from '../src/composition';
import { parseConfig } from '../src/config/config.loader';
import { createLogger } from '../src/logging/logger';
import { INSTANCE_LABEL, MANAGED_LABEL } from '../src/services/container-spec';

const SOCKETS = { docker: '/var/run/docker.sock', podman: '/run/berth/podman.sock' } as const;
type EngineName = keyof typeof SOCKETS;
/** Every container this benchmark creates carries it, beside Berth's own labels. */
const BENCH_LABEL = 'bench.berth';
const IMAGE = 'berth-test/busybox:latest';

interface Options {
  engine: EngineName;
  requests: number;
  warmup: number;
  containers: number;
}

interface Target {
  name: string;
  /** Performs one request; resolves with the number of containers listed. */
  fetch(): Promise<number>;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { engine: 'docker', requests: 300, warmup: 30, containers: 100 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--engine' && (value === 'docker' || value === 'podman')) options.engine = value;
    else if (flag === '--requests' && Number(value) > 0) options.requests = Number(value);
    else if (flag === '--warmup' && Number(value) >= 0) options.warmup = Number(value);
    else if (flag === '--containers' && Number(value) > 0) options.containers = Number(value);
    else throw new Error(`usage: containers.bench [--engine docker|podman] [--requests N] [--warmup N] [--containers N]; bad ${flag} ${value}`);
  }
  return options;
}

/** GET over HTTP (TCP or a unix socket), whole body read; rejects on a status other than 200. */
function getJson(agent: http.Agent, target: { socketPath?: string; port?: number; path: string; headers?: Record<string, string> }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: '127.0.0.1', method: 'GET', ...target }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`GET ${target.path}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
        else resolve(JSON.parse(body));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function createContainers(docker: Docker, instance: string, count: number, signal: AbortSignal): Promise<void> {
  const labels = { [MANAGED_LABEL]: 'true', [INSTANCE_LABEL]: instance, [BENCH_LABEL]: '1' };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      signal.throwIfAborted();
      next += 1;
      const c = await docker.createContainer({ Image: IMAGE, Cmd: ['sleep', '3600'], Labels: labels });
      await c.start();
    }
  };
  // Every worker settles before this returns, so clean-up cannot miss a container still being made.
  const failed = (await Promise.allSettled(Array.from({ length: 8 }, worker))).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function removeContainers(docker: Docker, instance: string): Promise<number> {
  const filters = JSON.stringify({ label: [`${BENCH_LABEL}=1`, `${INSTANCE_LABEL}=${instance}`] });
  const list = await docker.listContainers({ all: true, filters });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  return list.length;
}

/** Times `requests` rounds after `warmup` untimed ones; each round calls every target once, in turn. */
async function measure(targets: Target[], options: Options, expected: number, signal: AbortSignal): Promise<Map<string, number[]>> {
  const samples = new Map(targets.map((t) => [t.name, [] as number[]]));
  for (let round = 0; round < options.warmup + options.requests; round += 1) {
    signal.throwIfAborted();
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const started = process.hrtime.bigint();
      const listed = await target.fetch();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (listed !== expected) throw new Error(`${target.name} listed ${listed} containers, expected ${expected}`);
      if (round >= options.warmup) samples.get(target.name)!.push(ms);
    }
  }
  return samples;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

function printTable(samples: Map<string, number[]>, berth: string, engine: string, options: Options): void {
  const b = summary(samples.get(berth)!);
  const e = summary(samples.get(engine)!);
  const row = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(38) : c.padStart(10))).join(' | ')} |\n`;
  const ms = (v: number) => v.toFixed(2);
  const out = process.stdout;
  out.write(
    `\nContainers list on ${options.engine}: ${options.containers} running containers, ${options.requests} timed requests each (${options.warmup} warm-up), milliseconds\n\n`,
  );
  out.write(row(['', 'median', 'p99', 'mean']));
  out.write(row(['-'.repeat(38), '-'.repeat(10), '-'.repeat(10), '-'.repeat(10)]));
  out.write(row([engine, ms(e.median), ms(e.p99), ms(e.mean)]));
  out.write(row([berth, ms(b.median), ms(b.p99), ms(b.mean)]));
  out.write(row(['Berth / engine', `${(b.median / e.median).toFixed(2)}x`, `${(b.p99 / e.p99).toFixed(2)}x`, `${(b.mean / e.mean).toFixed(2)}x`]));
  out.write(row(['Berth - engine', ms(b.median - e.median), ms(b.p99 - e.p99), ms(b.mean - e.mean)]));
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const socketPath = SOCKETS[options.engine];
  const instance = `bench-${randomBytes(4).toString('hex')}`;
  const token = randomBytes(24).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  const config = parseConfig(
    TOML.stringify({
      server: { host: '127.0.0.1', port: 0, data_dir: dataDir, instance },
      docker: { runtime: options.engine, socket_path: socketPath },
      redis: { url: process.env.BERTH_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `berth-bench:${instance}` },
      auth: { tokens: [token] },
      log: { level: 'error', format: 'json' },
      proxy: { enabled: false }, // measures the API alone: no HAProxy on port 80
    }),
    'bench.toml',
  );
  const api = composeApi(config, createLogger(config.log, 'bench'));
  const server = await new Promise<http.Server>((resolve) => {
    const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const docker = new Docker({ socketPath });
  // A signal stops the run between two requests; the `finally` below then removes the containers.
  const interrupted = new AbortController();
  const stop = () => interrupted.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const started = Date.now();
    await createContainers(docker, instance, options.containers, interrupted.signal);
    process.stdout.write(`created and started ${options.containers} containers on ${options.engine} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const engineAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const filters = encodeURIComponent(JSON.stringify({ label: [`${MANAGED_LABEL}=true`, `${INSTANCE_LABEL}=${instance}`] }));
    const port = (server.address() as AddressInfo).port;
    const berthName = 'Berth GET /api/v1/containers?all=true';
    const engineName = `${options.engine} GET /containers/json?all=1`;
    const targets: Target[] = [
      {
        name: engineName,
        fetch: async () => ((await getJson(engineAgent, { socketPath, path: `/containers/json?all=1&filters=${filters}` })) as unknown[]).length,
      },
      {
        name: berthName,
        fetch: async () =>
          ((await getJson(agent, { port, path: '/api/v1/containers?all=true', headers: { Authorization: `Bearer ${token}` } })) as { containers: unknown[] }).containers
            .length,
      },
    ];
    printTable(await measure(targets, options, options.containers, interrupted.signal), berthName, engineName, options);
    agent.destroy();
    engineAgent.destroy();
  } finally {
    const removed = await removeContainers(docker, instance);
    process.stdout.write(`\nremoved ${removed} containers\n`);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`containers.bench: ${message}\n`);
  process.exit(message === 'interrupted' ? 130 : 1);
});
