import { Redis } from 'ioredis';
import request from 'supertest';
import type { AppRecord } from '../../src/apps/app.record';
import { appRecord, runtimeConfig } from '../../src/apps/testing/app-record.fixture';
import { RedisDeploymentStore } from '../../src/deploys/redis-deployment.store';
import { RedisReleaseStore } from '../../src/deploys/redis-release.store';
import { startTestApi, type TestApi } from '../support/api';
import { REDIS_URL } from '../support/engines';
import { closeBuildApi } from './build-helpers';
import { expectError, parseEvents, readText } from './helpers';

// The deployment routes that need no worker: what the API stores and queues, and how it answers.
// Apps are written straight into Redis under the documented layout (`<prefix>:app:<name>`, JSON).

const SHA = '0123456789abcdef0123456789abcdef01234567';
const OTHER_SHA = 'fedcba9876543210fedcba9876543210fedcba98';

describe('deployments over the API', () => {
  let api: TestApi;
  let redis: Redis;
  let prefix = '';
  const GIT = { type: 'git' as const, build: { git_repo: 'https://git.example.test/web.git', buildpack_type: 'dockerfile' as const } };

  const post = (path: string, body?: unknown) =>
    request(api.url)
      .post(`/api/v1${path}`)
      .set(api.auth())
      .send(body as object);
  const get = (path: string) => request(api.url).get(`/api/v1${path}`).set(api.auth());
  const putApp = (record: AppRecord) => redis.set(`${prefix}:app:${record.name}`, JSON.stringify(record));

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    api = await startTestApi();
    prefix = api.config.redis.prefix;
  });
  afterAll(async () => {
    await closeBuildApi(api);
    redis.disconnect();
  });

  it('queues a deployment (202), stores it and puts its job in the deploys queue', async () => {
    await putApp(appRecord('web', { source: GIT }));
    const res = await post('/apps/web/deployments', { git_commit: SHA });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ app: 'web', kind: 'deploy', status: 'queued', trigger: 'api', git_commit: SHA, force: false, attempts: 0 });
    expect(typeof res.body.times.queued).toBe('string');
    expect(await redis.exists(`${prefix}:deploys:${res.body.id}`)).toBe(1); // the BullMQ job
    expect((await get(`/deployments/${res.body.id}`)).body).toEqual(res.body);
  });

  it('answers 200 with the running deployment for a commit in progress, and queues again with force', async () => {
    await putApp(appRecord('dup', { source: GIT }));
    const first = await post('/apps/dup/deployments', { git_commit: SHA });
    const again = await post('/apps/dup/deployments', { git_commit: SHA.slice(0, 8) });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, ignored: 'in_progress' });
    const forced = await post('/apps/dup/deployments', { git_commit: SHA, force: true });
    expect(forced.status).toBe(202);
    expect((await get(`/deployments/${first.body.id}`)).body).toMatchObject({ status: 'superseded' });
    expect(await redis.exists(`${prefix}:deploys:${first.body.id}`)).toBe(0); // its waiting job removed
  });

  it('answers 200 with the deployment that made the live release for a live commit; lists releases; rolls back', async () => {
    const deployments = new RedisDeploymentStore(redis, { prefix, logMaxBytes: 10_000, retentionSeconds: 60 });
    const releases = new RedisReleaseStore(redis, { prefix });
    const made: string[] = [];
    for (const [n, commit] of [OTHER_SHA, SHA].entries()) {
      const id = `made-live-${n + 1}`;
      await deployments.create({
        id,
        app: 'live',
        kind: 'deploy',
        status: 'queued',
        trigger: 'api',
        force: false,
        times: { queued: new Date().toISOString() },
        attempts: 0,
      });
      await deployments.transition(id, 'succeeded', { commit, release: n + 1 });
      const config = runtimeConfig();
      await releases.add(
        {
          app: 'live',
          number: n + 1,
          deploymentId: id,
          commit,
          imageId: `sha256:${String(n + 1).repeat(64)}`,
          image: `berth-app/live:r${n + 1}`,
          config,
          port: 3000,
          setPortEnv: true,
          createdAt: new Date().toISOString(),
        },
        5,
      );
      made.push(id);
    }
    await putApp(appRecord('live', { source: GIT, liveRelease: 2, liveSlot: 'a' }));

    const res = await post('/apps/live/deployments', { git_commit: SHA });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: made[1], status: 'succeeded', ignored: 'already_live' });

    const list = await get('/apps/live/releases');
    expect(list.status).toBe(200);
    expect(list.body.releases).toEqual([
      expect.objectContaining({ number: 2, commit: SHA, deployment_id: made[1], live: true }),
      expect.objectContaining({ number: 1, commit: OTHER_SHA, deployment_id: made[0], live: false }),
    ]);
    expect(Object.keys(list.body.releases[0]).sort()).toEqual(['commit', 'created_at', 'deployment_id', 'image', 'image_id', 'live', 'number']);

    const rollback = await post('/apps/live/rollback', {});
    expect(rollback.status).toBe(202);
    expect(rollback.body).toMatchObject({ kind: 'rollback', status: 'queued', rollback_of: 1, previous_release: 2, commit: OTHER_SHA });
    expectError(await post('/apps/live/rollback', { release: 2 }), 409, 'state_conflict', 'release');
    expectError(await post('/apps/live/rollback', { release: 42 }), 404, 'not_found', 'release');
    expect((await post('/apps/live/restart')).body).toMatchObject({ kind: 'restart', status: 'queued' });
  });

  it('lists an app deployments newest first, with paging', async () => {
    await putApp(appRecord('many', { source: GIT }));
    const ids: string[] = [];
    for (const sha of [SHA, OTHER_SHA]) ids.push((await post('/apps/many/deployments', { git_commit: sha })).body.id);
    const res = await get('/apps/many/deployments?limit=1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(res.body.deployments.map((d: { id: string }) => d.id)).toEqual([ids[1]]);
    expect((await get('/apps/many/deployments?offset=1')).body.deployments.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([
      [ids[0], 'superseded'],
    ]);
  });

  it('cancels a queued deployment at once, shows its log as JSON and as SSE, and refuses a second cancel', async () => {
    await putApp(appRecord('stop', { source: GIT }));
    const { id } = (await post('/apps/stop/deployments')).body as { id: string };
    const cancel = await post(`/deployments/${id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(cancel.body).toMatchObject({ id, status: 'cancelled' });
    expect(await redis.exists(`${prefix}:deploys:${id}`)).toBe(0);
    expectError(await post(`/deployments/${id}/cancel`), 409, 'state_conflict');

    const log = await get(`/deployments/${id}/logs`);
    expect(log.status).toBe(200);
    expect(log.body).toEqual({
      deployment_id: id,
      status: 'cancelled',
      truncated: false,
      lines: [{ seq: 0, time: expect.any(String), text: '[berth] deployment cancelled before a worker took it' }],
    });

    const sse = await get(`/deployments/${id}/logs?follow=true`).set('Accept', 'text/event-stream').buffer(true).parse(readText);
    expect(sse.status).toBe(200);
    expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(parseEvents(sse.body as string)).toEqual([
      { event: 'log', data: log.body.lines[0] },
      { event: 'end', data: { status: 'cancelled' } },
    ]);
    expect(sse.body as string).toMatch(/^id: 0$/m);
  });

  it('answers 404 for unknown apps and deployments, and ids no deployment could have', async () => {
    expectError(await post('/apps/nope/deployments', {}), 404, 'not_found');
    expectError(await get('/apps/nope/deployments'), 404, 'not_found');
    expectError(await get('/apps/nope/releases'), 404, 'not_found');
    expectError(await post('/apps/Not_A_Name/rollback', {}), 404, 'not_found');
    expectError(await get('/deployments/no-such-deployment'), 404, 'not_found');
    expectError(await get(`/deployments/${'x'.repeat(300)}`), 404, 'not_found');
    expectError(await get('/deployments/bad$id/logs'), 404, 'not_found');
    expectError(await post('/deployments/.hidden/cancel'), 404, 'not_found');
  });

  it('answers 400 naming the field for bad bodies', async () => {
    await putApp(appRecord('strict', { source: GIT }));
    await putApp(appRecord('pic'));
    expectError(await post('/apps/strict/deployments', { git_commit: 'main' }), 400, 'invalid_input', 'git_commit');
    expectError(await post('/apps/strict/deployments', { image: 'registry.example.test/x:1' }), 400, 'invalid_input', 'image');
    expectError(await post('/apps/pic/deployments', { git_commit: SHA }), 400, 'invalid_input', 'git_commit');
    expectError(await post('/apps/pic/deployments', { image: 'Not An Image' }), 400, 'invalid_input', 'image');
    expectError(await post('/apps/strict/deployments', { force: 'yes' }), 400, 'invalid_input', 'force');
    expectError(await post('/apps/strict/deployments', { surprise: 1 }), 400, 'invalid_input', 'surprise');
    expectError(await get('/apps/strict/deployments?limit=0'), 400, 'invalid_input', 'limit');
    expect((await get('/apps/strict/deployments')).body).toMatchObject({ total: 0 });
  });
});
