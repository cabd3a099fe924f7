import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { TestApi } from '../support/api';
import { REDIS_URL } from '../support/engines';
import type { BuildWorker } from '../../workers/worker.composition';
import { listImagesConsistently } from '../../src/engine/dockerode-images';
import { freePort, poll, uniqueName, waitForHttp } from './helpers';

/** What GET /builds/{id} answers, as far as these tests read it. */
export interface BuildBody {
  id: string;
  status: string;
  git_repo: string;
  image_tag: string;
  image_id?: string;
  attempts: number;
  error?: { code: string; message: string };
  cancel_requested?: boolean;
  timestamps: Record<string, string>;
}

/** Closes an API from startTestApi and removes what its builds left: images and Redis keys. */
export async function closeBuildApi(api: TestApi): Promise<void> {
  await removeBuiltImages(api);
  await api.close();
  await forgetRedis(api.config.redis.prefix);
}

/** The Dockerfile repository body these tests submit; `extra` overrides or adds fields. */
export function dockerfileBuild(repo: string, tag: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { git_repo: repo, buildpack_type: 'dockerfile', image_tag: tag, ...extra };
}

/** A word no other build, test or engine run prints: marks a build's RUN step in process lists. */
export function nonce(): string {
  return `n${randomBytes(6).toString('hex')}`;
}

export async function submitBuild(api: TestApi, body: Record<string, unknown>, status = 202): Promise<BuildBody> {
  const res = await request(api.url).post('/api/v1/images/build').set(api.auth()).send(body);
  expect({ status: res.status, error: res.body?.error }).toEqual({ status, error: undefined });
  return res.body as BuildBody;
}

export async function getBuild(api: TestApi, id: string): Promise<BuildBody> {
  const res = await request(api.url).get(`/api/v1/builds/${id}`).set(api.auth());
  expect(res.status).toBe(200);
  return res.body as BuildBody;
}

/** Polls GET /builds/{id} until its status is one of `statuses`. */
export function waitForBuild(api: TestApi, id: string, statuses: string[], timeoutMs = 90_000): Promise<BuildBody> {
  return poll(
    `build ${id} to be ${statuses.join(' or ')}`,
    async () => {
      const build = await getBuild(api, id);
      return statuses.includes(build.status) ? build : undefined;
    },
    timeoutMs,
    250,
  );
}

export async function buildLog(api: TestApi, id: string): Promise<{ status: string; truncated: boolean; lines: Array<{ seq: number; time: string; text: string }> }> {
  const res = await request(api.url).get(`/api/v1/builds/${id}/logs`).set(api.auth());
  expect(res.status).toBe(200);
  return res.body;
}

export async function buildTotal(api: TestApi): Promise<number> {
  const res = await request(api.url).get('/api/v1/builds').set(api.auth());
  expect(res.status).toBe(200);
  return res.body.total as number;
}

/**
 * Host processes whose command line holds `word`. The engines run build steps as processes of
 * this machine, so this sees a RUN step whatever engine runs it (Podman's build containers are
 * buildah's and do not show in its Docker-compatible container list).
 */
export function processesWith(word: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(word)) pids.push(Number(name));
    } catch {
      // the process ended while being read
    }
  }
  return pids;
}

/**
 * The engine's build containers of a build whose RUN step prints `word` and whose Dockerfile
 * starts `FROM base` (a tag made for the test by `tagBase`). Docker's legacy builder runs each RUN
 * step in an intermediate container of its own list, with the step as command. Podman's build
 * containers are buildah's: its Docker-compatible list never shows them, its own API does with
 * `external=true`, named after the base image (`<base>-working-container`).
 */
export async function buildContainers(api: TestApi, word: string, base: string): Promise<Array<{ id: string; state: string }>> {
  if (api.engine === 'docker') {
    const list = await api.docker.listContainers({ all: true });
    return list.filter((c) => (c.Command ?? '').includes(word)).map((c) => ({ id: c.Id, state: c.State }));
  }
  const list = JSON.parse(await unixGet(api.socketPath, '/v4.0.0/libpod/containers/json?all=true&external=true')) as Array<{
    Id: string;
    State: string;
    Image: string;
    Names?: string[];
  }>;
  const name = base.split(':')[0] ?? base;
  return list
    .filter((c) => c.Image.endsWith(`/${base}`) || c.Image === base || (c.Names ?? []).includes(`${name}-working-container`))
    .map((c) => ({ id: c.Id, state: c.State }));
}

/** Tags the local busybox as `name:1` in the engine, so a build's containers can be told by their image. */
export async function tagBase(api: TestApi, name: string): Promise<string> {
  await api.docker.getImage('berth-test/busybox:latest').tag({ repo: name, tag: '1' });
  return `${name}:1`;
}

/** Removes a tag made by `tagBase` (busybox keeps its own). */
export async function untag(api: TestApi, tag: string): Promise<void> {
  await api.docker
    .getImage(tag)
    .remove()
    .catch(() => undefined);
}

function unixGet(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: ${res.statusCode} ${body}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

export async function imageExists(api: TestApi, tag: string): Promise<boolean> {
  try {
    await api.docker.getImage(tag).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/** Removes the images builds of this API made (the worker labels them with the API's instance). */
export async function removeBuiltImages(api: TestApi): Promise<void> {
  const images = await listImagesConsistently(api.docker, { filters: JSON.stringify({ label: [`berth.instance=${api.runId}`] }) });
  for (const image of images)
    await api.docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => undefined);
}

/** Closes in-process workers without waiting for their builds. */
export async function closeWorkers(workers: BuildWorker[]): Promise<void> {
  await Promise.all(workers.splice(0).map((w) => w.close(true).catch(() => undefined)));
}

/** Every Redis key under `prefix`, with its whole content as text. */
export async function redisDump(prefix: string): Promise<Map<string, string>> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const keys: string[] = [];
    // SCAN, not KEYS: it walks the key space in steps, as a shared Redis expects.
    for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 500 })) keys.push(...(batch as string[]));
    const dump = new Map<string, string>();
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? JSON.stringify(await redis.hgetall(key))
            : type === 'list'
              ? JSON.stringify(await redis.lrange(key, 0, -1))
              : type === 'set'
                ? JSON.stringify(await redis.smembers(key))
                : type === 'zset'
                  ? JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES'))
                  : type === 'stream'
                    ? JSON.stringify(await redis.xrange(key, '-', '+'))
                    : `<${type}>`;
      dump.set(key, value ?? '');
    }
    return dump;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every Redis key under `prefix`: what a test's builds and queue left behind. */
async function forgetRedis(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

export interface ReceivedEvent {
  id?: string;
  event: string;
  data: unknown;
  /** Milliseconds since the request was sent. */
  at: number;
}

/**
 * Follows a build's log over SSE, recording when each event arrived. Resolves when the server
 * ends the stream, or when `stopWhen` returns true (the connection is then dropped, as a client
 * that goes away would).
 */
export function followBuildLog(
  api: TestApi,
  id: string,
  options: { lastEventId?: string; stopWhen?: (events: ReceivedEvent[]) => boolean } = {},
): Promise<{ status: number; contentType: string; events: ReceivedEvent[] }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...api.auth(), Accept: 'text/event-stream' };
    if (options.lastEventId !== undefined) headers['Last-Event-ID'] = options.lastEventId;
    const req = httpRequest(`${api.url}/api/v1/builds/${id}/logs?follow=true`, { headers }, (res: IncomingMessage) => {
      const events: ReceivedEvent[] = [];
      let buffer = '';
      const done = () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), events });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer
            .slice(0, end)
            .split('\n')
            .filter((l) => l !== '' && !l.startsWith(':'));
          buffer = buffer.slice(end + 2);
          if (block.length === 0) continue;
          const field = (name: string) => block.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const eventId = field('id');
          events.push({
            ...(eventId !== undefined ? { id: eventId } : {}),
            event: field('event') ?? 'message',
            data: JSON.parse(field('data') ?? 'null') as unknown,
            at: Date.now() - started,
          });
        }
        if (options.stopWhen?.(events)) {
          res.destroy();
          done();
        }
      });
      res.on('end', done);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Removes the untagged images of build stages that builds of this API left: the legacy builder
 * keeps every stage (generated Dockerfiles have a build stage too). They are told apart by a
 * marker of the run (run id, a secret value) in their config or history, where build args show.
 */
export async function removeBuildStages(api: TestApi, markers: string[] = []): Promise<void> {
  const forms = [api.runId, ...markers].flatMap((m) => [m, JSON.stringify(m).slice(1, -1)]);
  const dangling = await listImagesConsistently(api.docker, { filters: JSON.stringify({ dangling: ['true'] }) });
  for (const { Id } of dangling) {
    const image = api.docker.getImage(Id);
    const text = JSON.stringify([await image.inspect().catch(() => undefined), await image.history().catch(() => undefined)]);
    if (forms.some((form) => text.includes(form))) await image.remove({ force: true }).catch(() => undefined);
  }
}

export interface ServeOptions {
  /** The port the image listens on inside the container. */
  port: number;
  environment?: Record<string, string>;
  /** The path that must answer 200 before the image counts as serving. */
  path?: string;
  timeoutMs?: number;
}

/**
 * Runs a built image through the containers API (removed with the suite's labelled containers),
 * publishing `port` on a free host port; answers the base URL and the body of `path` once it
 * answers 200.
 */
export async function serveImage(api: TestApi, image: string, options: ServeOptions): Promise<{ base: string; body: string }> {
  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
  const hostPort = await freePort();
  const created = await post('/api/v1/containers', {
    image,
    name: uniqueName(api, 'served'),
    ports: { [String(hostPort)]: String(options.port) },
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
  });
  if (created.status !== 201) throw new Error(`creating a container of ${image}: ${created.status} ${JSON.stringify(created.body)}`);
  const started = await post(`/api/v1/containers/${String(created.body.id)}/start`);
  if (started.status !== 200) throw new Error(`starting a container of ${image}: ${started.status} ${JSON.stringify(started.body)}`);
  const base = `http://127.0.0.1:${hostPort}`;
  const { body } = await waitForHttp(`${base}${options.path ?? '/'}`, options.timeoutMs ?? 60_000);
  return { base, body };
}
