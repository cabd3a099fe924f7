import { Redis } from 'ioredis';
import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { expectError } from './helpers';
import { buildLog, closeBuildApi, closeWorkers, dockerfileBuild, getBuild, redisDump, submitBuild, waitForBuild } from './build-helpers';

const ENDED = ['succeeded', 'failed', 'cancelled'];

describe('build ids', () => {
  let api: TestApi;
  let git: GitServer;
  const workers: BuildWorker[] = [];
  const del = (path: string) => request(api.url).delete(path).set(api.auth());

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] } });
    git = await startGitServer();
    workers.push(await startTestWorker(api.config));
  });
  afterAll(async () => {
    await closeWorkers(workers);
    await closeBuildApi(api);
    await git.close();
  });

  // The CI pattern: `id=ci-$SHA`, rerun after a failure once the build is forgotten.
  it.each([
    ['failed', 'FROM berth-test/busybox:latest\nRUN exit 3\n'],
    ['succeeded', 'FROM berth-test/busybox:latest\nRUN echo first\n'],
  ])(
    'builds an id again after its %s build was deleted',
    async (first, dockerfile) => {
      const name = `${api.runId}-again-${first}`;
      const { url } = git.push(name, { Dockerfile: dockerfile });
      const id = `ci-${name}`;
      const tag = `${name}:1`;
      await submitBuild(api, dockerfileBuild(url, tag, { id, no_cache: true }));
      expect((await waitForBuild(api, id, ENDED)).status).toBe(first);
      expect((await del(`/api/v1/builds/${id}`)).status).toBe(204);
      // Nothing of the forgotten build is left, the queue's job included.
      const prefix = api.config.redis.prefix;
      expect([...(await redisDump(prefix)).keys()].filter((k) => k.includes(id))).toEqual([]);

      git.push(name, { Dockerfile: 'FROM berth-test/busybox:latest\nRUN echo second\n' }, { append: true });
      const again = await submitBuild(api, dockerfileBuild(url, tag, { id, no_cache: true }));
      expect(again).toMatchObject({ id, status: 'queued', attempts: 0 });
      const done = await waitForBuild(api, id, ENDED);
      expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
      const log = (await buildLog(api, id)).lines.map((l) => l.text);
      expect(log).toContain('second');
      expect(log).not.toContain('first');
    },
    180_000,
  );

  it('builds an id whose finished job a Berth without this fix left in the queue', async () => {
    const name = `${api.runId}-leftover`;
    const { url } = git.push(name, { Dockerfile: 'FROM berth-test/busybox:latest\nRUN exit 3\n' });
    const id = `ci-${name}`;
    await submitBuild(api, dockerfileBuild(url, `${name}:1`, { id }));
    expect((await waitForBuild(api, id, ENDED)).status).toBe('failed');
    // What a delete used to do: the record goes, BullMQ's failed job stays.
    const prefix = api.config.redis.prefix;
    const leftover = [...(await redisDump(prefix)).keys()].filter((k) => k.startsWith(`${prefix}:build:${id}`));
    expect(leftover.length).toBeGreaterThan(0);
    const redis = new Redis(api.config.redis.url, { maxRetriesPerRequest: 1 });
    try {
      await redis.del(...leftover);
      await redis.zrem(`${prefix}:builds`, id);
    } finally {
      redis.disconnect();
    }
    expect((await redisDump(prefix)).has(`${prefix}:builds:${id}`)).toBe(true);

    git.push(name, { Dockerfile: 'FROM berth-test/busybox:latest\nRUN echo fixed\n' }, { append: true });
    await submitBuild(api, dockerfileBuild(url, `${name}:1`, { id }));
    expect(await waitForBuild(api, id, ENDED)).toMatchObject({ status: 'succeeded', attempts: 1 });
  }, 180_000);

  it('answers 404 not_found for path ids no build can have, on every build route, before any Redis access', async () => {
    const { url } = git.push(`${api.runId}-chars`, { Dockerfile: 'FROM berth-test/busybox:latest\n' });
    const id = `${api.runId}_A.b-9`;
    await submitBuild(api, dockerfileBuild(url, `${api.runId}-chars:1`, { id }));
    expect((await waitForBuild(api, id, ENDED)).status).toBe('succeeded');
    expect((await getBuild(api, id)).id).toBe(id);

    const get = (path: string) => request(api.url).get(path).set(api.auth());
    const post = (path: string) => request(api.url).post(path).set(api.auth());
    // `<id>:log` names the build's log list in Redis: read as a build, it answered 503.
    for (const odd of [`${id}:log`, `${id}:secret`, `.${id}`, '-x', 'a'.repeat(129), 'x%20y', 'x%2Fy', '%00', 'x*']) {
      expectError(await get(`/api/v1/builds/${odd}`), 404, 'not_found');
      expectError(await get(`/api/v1/builds/${odd}/logs`), 404, 'not_found');
      expectError(await get(`/api/v1/builds/${odd}/logs?follow=true`), 404, 'not_found');
      expectError(await post(`/api/v1/builds/${odd}/cancel`), 404, 'not_found');
      expectError(await del(`/api/v1/builds/${odd}`), 404, 'not_found');
    }
    expect((await getBuild(api, id)).status).toBe('succeeded');
  }, 120_000);
});
