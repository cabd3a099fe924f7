import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { startDeployEnv, type DeployEnv } from '../support/deploy-env';
import { parseSamples, sampleValue, type Sample } from '../support/metrics-text';
import { removeBuiltImages, submitBuild, waitForBuild, dockerfileBuild } from './build-helpers';
import { appFiles, createApp, deployCommit } from './deploy-helpers';

const METRICS_TOKEN = randomBytes(20).toString('hex');

async function scrape(env: DeployEnv): Promise<Sample[]> {
  const res = await request(env.api.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
  expect(res.status).toBe(200);
  expect(res.header['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseSamples(res.text);
}

async function forgetRedis(prefix: string): Promise<void> {
  const redis = new Redis(process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/**
 * `/metrics` and the queue dashboard on the real API, worker, Redis, engine and HAProxy: the
 * counters a build and a deploy end move, whatever process ended them.
 */
describe('metrics and the queue dashboard', () => {
  let env: DeployEnv;

  beforeAll(async () => {
    env = await startDeployEnv({ metrics: { token: METRICS_TOKEN, allow: ['127.0.0.1', '::1'] } });
  });

  afterAll(async () => {
    if (!env) return;
    await removeBuiltImages(env.api);
    await env.close();
    await forgetRedis(env.api.config.redis.prefix);
  });

  it('counts a build and a deployment, their durations, the requests by route template, queues, workers, nodes and proxy backends', async () => {
    const before = await scrape(env);
    const app = `${env.api.runId}-metrics`;
    const { url, commit } = env.git.push(app, appFiles('m1'));

    const build = await submitBuild(env.api, dockerfileBuild(url, `${app}-image:1`));
    await waitForBuild(env.api, build.id, ['succeeded', 'failed', 'cancelled']);
    expect((await request(env.api.url).get(`/api/v1/builds/${build.id}`).set(env.api.auth())).body).toMatchObject({ status: 'succeeded' });
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [`${app}.test`], drain_seconds: 0 });
    await deployCommit(env, app, commit);
    const after = await scrape(env);

    const moved = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    // The standalone build and the deployment's own build both ended succeeded.
    expect(moved('berth_builds_total', { result: 'succeeded' })).toBe(2);
    expect(moved('berth_build_duration_seconds_count', { result: 'succeeded' })).toBe(2);
    expect(moved('berth_build_duration_seconds_bucket', { result: 'succeeded', le: '+Inf' })).toBe(2);
    expect(moved('berth_build_duration_seconds_sum', { result: 'succeeded' })).toBeGreaterThan(0);
    expect(moved('berth_deployments_total', { result: 'succeeded' })).toBe(1);
    expect(moved('berth_deployment_duration_seconds_count', { result: 'succeeded' })).toBe(1);
    expect(moved('berth_build_wait_seconds_count', { result: 'succeeded' })).toBe(2);
    expect(moved('berth_deployment_wait_seconds_count', { result: 'succeeded' })).toBe(1);
    expect(moved('berth_deployments_total', { result: 'failed' })).toBe(0);

    // Requests under their route template, never the raw path with the id in it.
    expect(moved('berth_http_requests_total', { method: 'GET', route: '/api/v1/deployments/:id', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(moved('berth_http_requests_total', { method: 'POST', route: '/api/v1/apps/:name/deployments', status: '202' })).toBe(1);
    expect(moved('berth_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/apps', status: '201' })).toBe(1);
    expect(after.some((s) => s.labels.route?.includes(build.id) || s.labels.route?.includes(app))).toBe(false);

    for (const queue of ['builds', 'deploys']) {
      expect(
        after
          .filter((s) => s.name === 'berth_queue_jobs' && s.labels.queue === queue)
          .map((s) => s.labels.state)
          .sort(),
      ).toEqual(['active', 'delayed', 'failed', 'prioritized', 'waiting']);
      expect(sampleValue(after, 'berth_queue_workers', { queue })).toBeGreaterThanOrEqual(1);
      expect(sampleValue(after, 'berth_queue_oldest_waiting_seconds', { queue })).toBe(0);
    }
    expect(sampleValue(after, 'berth_node_up', { node: 'local' })).toBe(1);
    const live = after.filter((s) => s.name === 'berth_proxy_servers' && s.labels.app === app && s.labels.health === 'up');
    expect(live.map((s) => s.value).reduce((a, b) => a + b, 0)).toBe(1);
    expect(after.filter((s) => s.name === 'berth_metrics_source_up').map((s) => [s.labels.source, s.value])).toEqual([
      ['outcomes', 1],
      ['queues', 1],
      ['nodes', 1],
      ['proxy', 1],
    ]);
  });

  it('reports the same build and deployment counts from another API process on the same Redis, as after a restart', async () => {
    const mine = await scrape(env);
    const other = await startTestApi({ redis: { prefix: env.api.config.redis.prefix }, metrics: { token: METRICS_TOKEN } });
    try {
      const res = await request(other.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
      expect(res.status).toBe(200);
      const theirs = parseSamples(res.text).filter((s) => /^berth_(builds|deployments)_total$|^berth_(build|deployment)_duration_seconds_count$/.test(s.name));
      expect(theirs.length).toBeGreaterThanOrEqual(4);
      for (const s of theirs) expect({ ...s, value: sampleValue(mine, s.name, s.labels) }).toEqual(s);
    } finally {
      await other.close();
    }
  });

  it('answers a scrape without the metrics token 401, and does not take the API token', async () => {
    const none = await request(env.api.url).get('/metrics');
    expect(none.status).toBe(401);
    expect(none.header['www-authenticate']).toMatch(/^Bearer/);
    expect(none.body.error.code).toBe('unauthorized');
    expect((await request(env.api.url).get('/metrics').set(env.api.auth())).status).toBe(401);
    expect((await request(env.api.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`)).status).toBe(401);
  });

  it('serves the read-only queue dashboard to the API token (Bearer or Basic) and 401 with a Basic challenge otherwise', async () => {
    const none = await request(env.api.url).get('/admin/queues');
    expect(none.status).toBe(401);
    expect(none.header['www-authenticate']).toMatch(/^Basic /);
    expect((await request(env.api.url).get('/admin/queues').auth('admin', 'wrong-token-wrong-token')).status).toBe(401);
    expect((await request(env.api.url).get('/admin/queues/api/queues').set('Authorization', `Bearer ${METRICS_TOKEN}`)).status).toBe(401);

    const page = await request(env.api.url).get('/admin/queues').auth('admin', env.api.token);
    expect(page.status).toBe(200);
    expect(page.header['content-type']).toMatch(/^text\/html/);
    // The page's scripts load relative to its <base href="/admin/queues/">, with the same credentials.
    expect(page.text).toContain('<base href="/admin/queues/"');
    const script = `/admin/queues/${/src="(static\/js\/main\.[^"]+\.js)"/.exec(page.text)?.[1] ?? 'missing'}`;
    expect((await request(env.api.url).get(script).auth('admin', env.api.token)).status).toBe(200);
    expect((await request(env.api.url).get(script)).status).toBe(401);
    const queues = await request(env.api.url).get('/admin/queues/api/queues').set(env.api.auth());
    expect(queues.status).toBe(200);
    const listed = (queues.body as { queues: Array<{ name: string; readOnlyMode: boolean }> }).queues;
    expect(listed.map((q) => q.name).sort()).toEqual(['builds', 'deploys', 'jobs']);
    expect(listed.every((q) => q.readOnlyMode)).toBe(true);
  });
});

describe('metrics access rules', () => {
  let apis: TestApi[] = [];

  afterEach(async () => {
    for (const api of apis) {
      await api.close();
      await forgetRedis(api.config.redis.prefix);
    }
    apis = [];
  });

  it('has no /metrics until a token or an allow-list is set', async () => {
    const api = await startTestApi();
    apis.push(api);
    expect((await request(api.url).get('/metrics').set(api.auth())).status).toBe(404);
  });

  it('answers 403 to an address outside the allow-list, even with the token, and drops proxy series without a proxy', async () => {
    const api = await startTestApi({ metrics: { token: METRICS_TOKEN, allow: ['10.0.0.0/8'] } });
    const open = await startTestApi({ metrics: { allow: ['127.0.0.0/8', '::1'] } });
    apis.push(api, open);
    const refused = await request(api.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');

    // An allow-list alone: no token asked.
    const res = await request(open.url).get('/metrics');
    expect(res.status).toBe(200);
    const samples = parseSamples(res.text);
    expect(samples.some((s) => s.name === 'berth_proxy_servers')).toBe(false);
    expect(samples.filter((s) => s.name === 'berth_metrics_source_up').map((s) => s.labels.source)).toEqual(['outcomes', 'queues', 'nodes']);
  });
});
