/**
 * What the deploy benchmark needs around the API of a `DeployEnv`: calls with its token, waits,
 * the small app it deploys, the replica's published port, statistics, and removal of what it made.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { DeployEnv } from '../test/support/deploy-env';
import { REDIS_URL } from '../test/support/engines';
import { nodeAppFiles } from '../test/support/node-app';

/** Answers its version on every path; keeps connections open like a typical Node server. */
const APP_SERVER = `
const http = require('http');
const version = require('fs').readFileSync('/app/version.txt', 'utf8').trim();
const server = http.createServer((req, res) => res.end(version));
server.keepAliveTimeout = 30000;
server.listen(Number(process.env.PORT || 3000));
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeIdleConnections(); });
`;

export function appFiles(version: string): Record<string, string> {
  return nodeAppFiles(APP_SERVER, version);
}

export interface Deployment {
  id: string;
  status: string;
  kind: string;
  build_id?: string;
  release?: number;
  times: Record<string, string | undefined>;
  error?: { code: string; message: string };
}

export interface Build {
  status: string;
  timestamps: { queued: string; cloning?: string; building?: string; finished?: string };
}

const ENDS = new Set(['succeeded', 'failed', 'cancelled', 'superseded', 'skipped']);

/** One API call with the environment's token; throws on an unexpected status. */
export async function call<T>(env: DeployEnv, method: string, path: string, body?: unknown, expected = [200, 201, 202, 204]): Promise<T> {
  const res = await fetch(`${env.api.url}${path}`, {
    method,
    headers: { ...env.api.auth(), 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Waits until the deployment ends; throws with its log unless it succeeded. */
export async function waitSucceeded(env: DeployEnv, id: string, timeoutMs = 180_000): Promise<Deployment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await call<Deployment>(env, 'GET', `/api/v1/deployments/${id}`);
    if (d.status === 'succeeded') return d;
    if (ENDS.has(d.status) || Date.now() > deadline) {
      const log = await call<{ lines: Array<{ text: string }> }>(env, 'GET', `/api/v1/deployments/${id}/logs`);
      throw new Error(`deployment ${id} is ${d.status}: ${JSON.stringify(d.error)}\n${log.lines.map((l) => l.text).join('\n')}`);
    }
    await sleep(100);
  }
}

/** Polls GET / through the proxy until it answers `body`; resolves with performance.now() at that answer. */
export async function servedAt(env: DeployEnv, host: string, body: string, timeoutMs = 180_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await env.get(host).catch(() => undefined);
    const now = performance.now();
    if (res?.status === 200 && res.body === body) return now;
    if (Date.now() > deadline) throw new Error(`${host} never answered ${body} (last: ${res?.status} ${res?.body})`);
    await sleep(5);
  }
}

/** The 127.0.0.1 port the engine publishes the app's running replica on (containers labelled berth.app=<app>). */
export async function replicaPort(env: DeployEnv, app: string, appPort: number): Promise<number> {
  const list = await env.api.docker.listContainers({ filters: JSON.stringify({ label: [`berth.app=${app}`, `berth.instance=${env.api.runId}`], status: ['running'] }) });
  const first = list[0];
  if (list.length !== 1 || first === undefined) throw new Error(`expected one running replica of ${app}, found ${list.length}`);
  const info = await env.api.docker.getContainer(first.Id).inspect();
  const binding = info.NetworkSettings.Ports[`${appPort}/tcp`]?.find((b) => b.HostIp === '127.0.0.1');
  if (!binding) throw new Error(`${first.Id} publishes no 127.0.0.1 port for ${appPort}: ${JSON.stringify(info.NetworkSettings.Ports)}`);
  return Number(binding.HostPort);
}

/** Milliseconds between two ISO times of a record. */
export function between(from: string | undefined, to: string | undefined): number {
  return from && to ? Date.parse(to) - Date.parse(from) : NaN;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** Nearest rank: p90 of 7 runs is the 7th, p99 of 2000 requests the 1980th. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/**
 * Removes what the benchmark made beyond what `DeployEnv.close` removes: the images built for
 * this API instance (label `berth.instance`) and every Redis key under the benchmark's prefix.
 */
export async function removeLeftovers(env: DeployEnv, prefix: string): Promise<{ images: number; keys: number }> {
  const images = await env.api.docker.listImages({ filters: JSON.stringify({ label: [`berth.instance=${env.api.runId}`] }) });
  for (const image of images)
    await env.api.docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => undefined);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let keys = 0;
  try {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (found.length > 0) keys += await redis.unlink(...found);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return { images: images.length, keys };
}
