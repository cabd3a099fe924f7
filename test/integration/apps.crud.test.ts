import { Redis } from 'ioredis';
import request from 'supertest';
import { RedisContainerRegistry } from '../../src/redis/redis-container.registry';
import { startTestApi, type TestApi } from '../support/api';
import { REDIS_URL } from '../support/engines';
import { redisDump } from './build-helpers';
import { expectError, suiteLabels } from './helpers';

/** Secret values sent with the apps; none may come back in an answer nor sit in Redis in the clear. */
const SECRETS = ['run-secret-4f1c9e', 'build-secret-7a2d0b', 'git-token-93be51', 'patched-secret-c0ffee'];

describe('apps API: create, read, list, change, delete', () => {
  let api: TestApi;
  let redis: Redis;
  const answers: string[] = [];
  const volumes: string[] = [];
  const name = (what: string) => `${api.runId}-${what}`;
  const record = <T extends request.Response>(res: T): T => {
    answers.push(res.text);
    return res;
  };
  const get = async (path: string) => record(await request(api.url).get(path).set(api.auth()));
  const post = async (path: string, body?: object) => record(await request(api.url).post(path).set(api.auth()).send(body));
  const patch = async (path: string, body: object) => record(await request(api.url).patch(path).set(api.auth()).send(body));
  const del = async (path: string) => record(await request(api.url).delete(path).set(api.auth()));

  beforeAll(async () => {
    api = await startTestApi({ proxy: { base_domain: 'apps.test' }, git: { allowed_hosts: ['127.0.0.1'] } });
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await Promise.all(
      volumes.map((v) =>
        api.docker
          .getVolume(v)
          .remove()
          .catch(() => undefined),
      ),
    );
    const keys = await redis.keys(`${api.config.redis.prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await api.close();
  });

  it('creates an app (201, webhook secret once), shows it, lists it, changes it and deletes it', async () => {
    const web = name('web');
    const created = await post('/api/v1/apps', {
      name: web,
      git_repo: 'https://127.0.0.1:1/team/web.git',
      git_branch: 'main',
      buildpack_type: 'nixpacks',
      git_credentials: { token: SECRETS[2] },
      env: { DATABASE_URL: SECRETS[0] },
      build_env: { NPM_TOKEN: SECRETS[1] },
      replicas: 2,
      memory: '256m',
      volumes: { data: '/data' },
      health_check: { path: '/healthz' },
      watch_paths: ['src/', '!docs/'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name: web,
      source: { type: 'git', git_repo: 'https://127.0.0.1:1/team/web.git', git_branch: 'main', buildpack_type: 'nixpacks' },
      has_git_credentials: true,
      env: ['DATABASE_URL'],
      build_env: ['NPM_TOKEN'],
      domains: [`${web}.apps.test`],
      replicas: 2,
      memory: '256m',
      volumes: { data: '/data' },
      health_check: { path: '/healthz', interval_seconds: 1, timeout_seconds: 5, gate_seconds: 60 },
      strategy: 'start-first',
      drain_seconds: 30,
      watch_paths: ['src/', '!docs/'],
      node: 'local',
      status: 'new',
      urls: [`http://${web}.apps.test/`],
      replicas_state: [],
      created_at: expect.any(String),
      updated_at: expect.any(String),
      version: 1,
      webhook_secret: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const webhookSecret = created.body.webhook_secret as string;
    const { webhook_secret: _shownOnce, ...view } = created.body;

    const shown = await get(`/api/v1/apps/${web}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(view);

    await post('/api/v1/apps', { name: name('img'), image: 'berth-test/nginx:alpine', domains: ['Img.Example.TEST'], port: 80 });
    const listed = await get('/api/v1/apps');
    expect(listed.status).toBe(200);
    const ours = listed.body.apps.filter((a: { name: string }) => a.name.startsWith(api.runId));
    expect(ours.map((a: { name: string; status: string; domains: string[] }) => [a.name, a.status, a.domains])).toEqual([
      [name('img'), 'new', ['img.example.test']],
      [web, 'new', [`${web}.apps.test`]],
    ]);

    const changed = await patch(`/api/v1/apps/${web}`, { env: { DATABASE_URL: null, API_KEY: SECRETS[3] }, replicas: 3, domains: ['www.example.test'] });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ env: ['API_KEY'], replicas: 3, domains: ['www.example.test'], version: 2, build_env: ['NPM_TOKEN'] });

    const rotated = await post(`/api/v1/apps/${web}/webhook-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ webhook_secret: expect.stringMatching(/^[0-9a-f]{64}$/), previous_valid_until: expect.any(String) });
    expect(rotated.body.webhook_secret).not.toBe(webhookSecret);
    const hoursLeft = (Date.parse(rotated.body.previous_valid_until) - Date.now()) / 3600_000;
    expect(hoursLeft).toBeGreaterThan(23);
    expect(hoursLeft).toBeLessThanOrEqual(24);

    // Never shown again, never stored in the clear.
    const secrets = [...SECRETS, webhookSecret, rotated.body.webhook_secret as string];
    const laterAnswers = answers.filter((a) => a !== created.text && a !== rotated.text).join('\n');
    for (const s of secrets) expect(laterAnswers).not.toContain(s);
    expect(created.text).not.toMatch(new RegExp(SECRETS.join('|')));
    const stored = [...(await redisDump(api.config.redis.prefix)).values()].join('\n');
    expect(stored).toContain('API_KEY'); // the names are there
    for (const s of secrets) expect(stored).not.toContain(s);

    expect((await del(`/api/v1/apps/${web}`)).status).toBe(204);
    expectError(await get(`/api/v1/apps/${web}`), 404, 'not_found');
    expect((await get('/api/v1/apps')).body.apps.map((a: { name: string }) => a.name)).not.toContain(web);
    expect(await redis.keys(`${api.config.redis.prefix}:app:${web}*`)).toEqual([]);
    expect((await del(`/api/v1/apps/${name('img')}`)).status).toBe(204);
  });

  it('answers 409 name_conflict for a taken name and for a domain of another app', async () => {
    const a = name('taken');
    expect((await post('/api/v1/apps', { name: a, image: 'web:1', domains: ['shared.example.test'] })).status).toBe(201);
    expectError(await post('/api/v1/apps', { name: a, image: 'web:2' }), 409, 'name_conflict', 'name');
    expectError(
      await post('/api/v1/apps', { name: name('other'), image: 'web:1', domains: ['x.example.test', 'SHARED.example.test'] }),
      409,
      'name_conflict',
      'domains[1]',
    );
    expect((await post('/api/v1/apps', { name: name('other'), image: 'web:1', domains: ['y.example.test'] })).status).toBe(201);
    expectError(await patch(`/api/v1/apps/${name('other')}`, { domains: ['shared.example.test'] }), 409, 'name_conflict', 'domains[0]');
    await del(`/api/v1/apps/${a}`);
    await del(`/api/v1/apps/${name('other')}`);
  });

  it('answers 404 for an unknown app on every route', async () => {
    const missing = name('missing');
    expectError(await get(`/api/v1/apps/${missing}`), 404, 'not_found');
    expectError(await patch(`/api/v1/apps/${missing}`, { replicas: 2 }), 404, 'not_found');
    expectError(await del(`/api/v1/apps/${missing}`), 404, 'not_found');
    expectError(await post(`/api/v1/apps/${missing}/webhook-secret`), 404, 'not_found');
  });

  it.each<[string, object, string]>([
    ['a name that is not a DNS label', { name: 'My_App', image: 'web:1' }, 'name'],
    ['no source', { name: 'x' }, 'git_repo'],
    ['a compose buildpack', { name: 'x', git_repo: 'https://127.0.0.1:1/a.git', buildpack_type: 'compose' }, 'buildpack_type'],
    ['a bad git URL', { name: 'x', git_repo: 'ftp://example.test/a.git', buildpack_type: 'nixpacks' }, 'git_repo'],
    ['a repository on an internal address', { name: 'x', git_repo: 'https://10.1.2.3/a.git', buildpack_type: 'nixpacks' }, 'git_repo'],
    ['a bad image', { name: 'x', image: 'UPPER:case' }, 'image'],
    ['33 replicas', { name: 'x', image: 'web:1', replicas: 33 }, 'replicas'],
    ['a port out of range', { name: 'x', image: 'web:1', port: 70000 }, 'port'],
    ['too little memory', { name: 'x', image: 'web:1', memory: '1k' }, 'memory'],
    ['a relative mount path', { name: 'x', image: 'web:1', volumes: { data: 'data' } }, 'volumes.data'],
    ['a health path without "/"', { name: 'x', image: 'web:1', health_check: { path: 'up' } }, 'health_check.path'],
    ['an unknown strategy', { name: 'x', image: 'web:1', strategy: 'rolling' }, 'strategy'],
    ['a bad env name', { name: 'x', image: 'web:1', env: { 'A B': 'x' } }, 'env.A B'],
    ['a bad domain', { name: 'x', image: 'web:1', domains: ['no spaces.test'] }, 'domains[0]'],
  ])('answers 400 naming the field for %s', async (_what, body, field) => {
    expectError(await post('/api/v1/apps', body), 400, 'invalid_input', field);
  });

  it('answers 400 for a field apps do not have (a typo is not ignored)', async () => {
    const res = await post('/api/v1/apps', { name: 'x', image: 'web:1', replica: 2 });
    expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 400, code: 'invalid_input' });
    expect(res.body.error.message).toContain('replica');
  });

  it('answers 400 naming the field for a bad change, and changes nothing', async () => {
    const app = name('badpatch');
    await post('/api/v1/apps', { name: app, image: 'web:1', domains: [] });
    expectError(await patch(`/api/v1/apps/${app}`, { replicas: 0 }), 400, 'invalid_input', 'replicas');
    expectError(await patch(`/api/v1/apps/${app}`, { env: { '1BAD': 'x' } }), 400, 'invalid_input', 'env.1BAD');
    expect((await get(`/api/v1/apps/${app}`)).body).toMatchObject({ replicas: 1, env: [], version: 1 });
    await del(`/api/v1/apps/${app}`);
  });

  it('removes the containers Berth made for the app, keeps others and volumes, and volumes only with volumes=true', async () => {
    const app = name('vols');
    await post('/api/v1/apps', { name: app, image: 'web:1', volumes: { data: '/data' } });
    const volume = `berth-${app}_data`;
    volumes.push(volume);
    const labels = { 'berth.managed': 'true', 'berth.instance': api.runId, 'berth.app': app };
    const ours = await api.docker.createContainer({ Image: 'berth-test/busybox:latest', Cmd: ['sleep', '60'], name: `berth-${app}-r1-1`, Labels: labels });
    const registry = new RedisContainerRegistry(redis, { prefix: api.config.redis.prefix, instance: api.config.server.instance });
    await registry.add(ours.id);
    // Labelled alike but not recorded by this Berth: not its to remove.
    const foreign = await api.docker.createContainer({ Image: 'berth-test/busybox:latest', Cmd: ['sleep', '60'], Labels: { ...labels, ...suiteLabels(api) } });
    await api.docker.createVolume({ Name: volume });

    expect((await del(`/api/v1/apps/${app}`)).status).toBe(204);
    await expect(api.docker.getContainer(ours.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await api.docker.getContainer(foreign.id).inspect()).Id).toBe(foreign.id);
    expect((await api.docker.getVolume(volume).inspect()).Name).toBe(volume);

    await post('/api/v1/apps', { name: app, image: 'web:1', volumes: { data: '/data' } });
    expect((await del(`/api/v1/apps/${app}?volumes=true`)).status).toBe(204);
    await expect(api.docker.getVolume(volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
