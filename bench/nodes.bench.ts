/**
 * Nodes: what an unreachable node costs the others. Times `GET /api/v1/nodes/local/containers`
 * with only `local` configured, then with two broken nodes beside it (a unix socket nobody
 * listens on, and an SSH node whose host accepts connections and never answers: a hung host),
 * and times the broken nodes' own answers (503 `node_unavailable`).
 *
 *   npm run build && npm run bench:nodes -- [--requests 300] [--engine docker|podman]
 *
 * Real Redis at BERTH_BENCH_REDIS_URL (default redis://127.0.0.1:6379); everything on 127.0.0.1.
 * Prints figures; it is not a test and asserts nothing about speed.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import TOML from '@iarna/toml';
import { composeApi } from '../src/composition';
import { parseConfig } from '../src/config/config.loader';
import { createLogger } from '../src/logging/logger';

const SOCKETS = { docker: '/var/run/docker.sock', podman: '/run/berth/podman.sock' } as const;

interface Timed {
  status: number;
  ms: number;
}

function get(port: number, path: string, token: string): Promise<Timed> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function series(n: number, port: number, path: string, token: string): Promise<{ median: number; p99: number; statuses: string }> {
  const times: number[] = [];
  const statuses = new Set<number>();
  for (let i = 0; i < n; i += 1) {
    const r = await get(port, path, token);
    times.push(r.ms);
    statuses.add(r.status);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { median: at(0.5), p99: at(0.99), statuses: [...statuses].join(',') };
}

/** A TCP listener that accepts and never says a word: an SSH client waits for its banner until its deadline. */
async function hungHost(): Promise<{ port: number; close(): void }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}

async function startApi(dir: string, engine: keyof typeof SOCKETS, nodes: unknown[]) {
  const token = randomBytes(24).toString('hex');
  const id = `b${randomBytes(4).toString('hex')}`;
  const raw = {
    server: { host: '127.0.0.1', port: 0, data_dir: dir, instance: id },
    docker: { runtime: engine, socket_path: SOCKETS[engine] },
    redis: { url: process.env.BERTH_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `berth-bench:${id}` },
    auth: { tokens: [token] },
    log: { level: 'error' },
    proxy: { enabled: false },
    nodes,
  };
  const config = parseConfig(TOML.stringify(raw as unknown as TOML.JsonMap), 'bench.toml');
  const api = composeApi(config, createLogger(config.log, 'bench'));
  await api.redisReady(5000);
  const server = await new Promise<http.Server>((resolve) => {
    const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    token,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await api.close();
    },
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const requests = Number(args[args.indexOf('--requests') + 1]) || 300;
  const engine = args.includes('podman') ? 'podman' : 'docker';
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-nodes-'));
  const hung = await hungHost();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
  const hostKey = readFileSync(join(dir, 'key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${hung.port} ${hostKey}\n`);
  const broken = [
    { name: 'dead', host: `unix://${join(dir, 'nobody.sock')}`, timeout_seconds: 5 },
    { name: 'hung', host: `ssh://root@127.0.0.1:${hung.port}`, ssh_key: join(dir, 'key'), known_hosts: join(dir, 'known_hosts'), timeout_seconds: 5 },
  ];
  const rows: string[] = [];
  try {
    const alone = await startApi(dir, engine, []);
    await series(30, alone.port, '/api/v1/nodes/local/containers', alone.token);
    const a = await series(requests, alone.port, '/api/v1/nodes/local/containers', alone.token);
    rows.push(`| local, no other node | ${a.median.toFixed(2)} / ${a.p99.toFixed(2)} ms | ${a.statuses} |`);
    await alone.close();

    const api = await startApi(dir, engine, broken);
    const first = await get(api.port, '/api/v1/nodes/hung/containers', api.token);
    rows.push(`| hung node, first call after start (before its first probe ended) | ${first.ms.toFixed(0)} ms | ${first.status} |`);
    await series(30, api.port, '/api/v1/nodes/local/containers', api.token);
    const b = await series(requests, api.port, '/api/v1/nodes/local/containers', api.token);
    rows.push(`| local, beside a dead and a hung node | ${b.median.toFixed(2)} / ${b.p99.toFixed(2)} ms | ${b.statuses} |`);
    for (const name of ['dead', 'hung']) {
      const r = await series(requests, api.port, `/api/v1/nodes/${name}/containers`, api.token);
      rows.push(`| ${name} node (known down) | ${r.median.toFixed(2)} / ${r.p99.toFixed(2)} ms | ${r.statuses} |`);
    }
    await api.close();
  } finally {
    hung.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`Engine: ${engine}, ${requests} sequential requests per row\n\n| Route | median / p99 | status |\n|---|---|---|\n${rows.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
