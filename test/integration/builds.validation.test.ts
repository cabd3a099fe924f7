import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { expectError, freePort } from './helpers';
import { buildLog, buildTotal, closeBuildApi, closeWorkers, dockerfileBuild, nonce, redisDump, submitBuild, waitForBuild } from './build-helpers';

const GIT = { allowed_hosts: ['127.0.0.1'] };
const REPO = 'https://git.example.com/acme/app.git';

describe('build requests: bad input', () => {
  let api: TestApi;
  const submit = (body: unknown) =>
    request(api.url)
      .post('/api/v1/images/build')
      .set(api.auth())
      .send(body as object);
  /** Everything that shows a build was queued: the list's total and every key under the prefix. */
  const queueState = async () => ({ total: await buildTotal(api), keys: [...(await redisDump(api.config.redis.prefix)).keys()].sort() });

  // No [git] allowed_hosts and no file URLs: the defaults.
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await closeBuildApi(api);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['git_repo missing', { git_repo: undefined }, 'git_repo'],
    ['a git_repo scheme other than https, http, ssh, git', { git_repo: 'ftp://git.example.com/app.git' }, 'git_repo'],
    ['a git_repo that is no URL', { git_repo: 'not a url' }, 'git_repo'],
    ['a file:// git_repo while [git] allow_file_urls is off', { git_repo: 'file:///srv/git/app.git' }, 'git_repo'],
    ['an ssh git_repo carrying a password', { git_repo: 'ssh://git:secret@git.example.com/app.git' }, 'git_repo'],
    ['a loopback git host not in [git] allowed_hosts', { git_repo: 'http://127.0.0.1:9/app.git' }, 'git_repo'],
    ['localhost as git host', { git_repo: 'http://localhost/app.git' }, 'git_repo'],
    ['a private-network git host', { git_repo: 'https://10.1.2.3/app.git' }, 'git_repo'],
    ['a branch name with ".."', { git_branch: 'a..b' }, 'git_branch'],
    ['a branch name starting with "-"', { git_branch: '-upload-pack=x' }, 'git_branch'],
    ['a git_commit that is not a SHA', { git_commit: 'HEAD~1' }, 'git_commit'],
    ['an upper-case image_tag', { image_tag: 'UPPER:case' }, 'image_tag'],
    ['an image_tag with a space', { image_tag: 'my app:1' }, 'image_tag'],
    ['an id with a space', { id: 'my build' }, 'id'],
    ['a dockerfile_path leaving the repository', { dockerfile_config: { dockerfile_path: '../x' } }, 'dockerfile_config.dockerfile_path'],
    ['an absolute dockerfile_path', { dockerfile_config: { dockerfile_path: '/etc/passwd' } }, 'dockerfile_config.dockerfile_path'],
    ['a base_directory leaving the repository', { base_directory: 'apps/../../up' }, 'base_directory'],
    ['an absolute static output_dir', { buildpack_type: 'static', static_config: { output_dir: '/var/www' } }, 'static_config.output_dir'],
    ['an unknown buildpack_type', { buildpack_type: 'heroku' }, 'buildpack_type'],
    ['a config for another buildpack', { buildpack_type: 'nixpacks', dockerfile_config: { target: 'prod' } }, 'dockerfile_config'],
    ['a bad build arg name', { dockerfile_config: { build_args: { 'BAD NAME': 'x' } } }, 'dockerfile_config.build_args.BAD NAME'],
    ['an env value on two lines', { env: { TOKEN: 'a\nb' } }, 'env.TOKEN'],
    ['an ssh_key that is no private key', { git_credentials: { ssh_key: 'hunter2' } }, 'git_credentials.ssh_key'],
  ])('400 for %s, naming the field, and nothing queued', async (_what, fields, field) => {
    const before = await queueState();
    // JSON leaves out undefined values: `{ git_repo: undefined }` sends no git_repo at all.
    expectError(await submit(dockerfileBuild(REPO, 'app:1', fields)), 400, 'invalid_input', field);
    expect(await queueState()).toEqual(before);
  });

  it('400 for an unknown field, naming it in the message, and nothing queued', async () => {
    const before = await queueState();
    const res = await submit(dockerfileBuild(REPO, 'app:1', { colour: 'blue' }));
    expectError(res, 400, 'invalid_input', 'colour');
    expect(res.body.error.message).toContain('colour');
    expect(await queueState()).toEqual(before);
  });

  it('says how to allow an internal git host', async () => {
    const res = await submit(dockerfileBuild('http://127.0.0.1:9/app.git', 'app:1'));
    expect(res.body.error.message).toMatch(/internal address 127\.0\.0\.1.*allowed_hosts/);
  });

  it('415 for a body that is not JSON, 401 without or with a wrong token; nothing queued', async () => {
    const before = await queueState();
    const json = JSON.stringify(dockerfileBuild(REPO, 'app:1'));
    expectError(await request(api.url).post('/api/v1/images/build').set(api.auth()).set('Content-Type', 'text/plain').send(json), 415, 'unsupported_media_type');
    expectError(await request(api.url).post('/api/v1/images/build').send(dockerfileBuild(REPO, 'app:1')), 401, 'unauthorized');
    expectError(
      await request(api.url)
        .post('/api/v1/images/build')
        .set('Authorization', `Bearer ${'x'.repeat(48)}`)
        .send(dockerfileBuild(REPO, 'app:1')),
      401,
      'unauthorized',
    );
    for (const path of ['/api/v1/builds', '/api/v1/builds/x', '/api/v1/builds/x/logs']) expectError(await request(api.url).get(path), 401, 'unauthorized');
    expectError(await request(api.url).post('/api/v1/builds/x/cancel'), 401, 'unauthorized');
    expectError(await request(api.url).delete('/api/v1/builds/x'), 401, 'unauthorized');
    expect(await queueState()).toEqual(before);
  });

  it('accepts a loopback host once listed in [git] allowed_hosts, and file:// once allowed', async () => {
    const open = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'], allow_file_urls: true } });
    try {
      for (const repo of ['http://127.0.0.1:9/app.git', 'file:///srv/git/app.git']) {
        const build = await submitBuild(open, dockerfileBuild(repo, 'app:1'));
        expect(build).toMatchObject({ status: 'queued', git_repo: repo });
        expect((await request(open.url).post(`/api/v1/builds/${build.id}/cancel`).set(open.auth())).body.status).toBe('cancelled');
      }
    } finally {
      await closeBuildApi(open);
    }
  });
});

/** An HTTP proxy in front of the git server that remembers the Authorization headers it saw. */
async function recordingProxy(target: string): Promise<{ url: string; authorizations: Set<string>; close(): Promise<void> }> {
  const authorizations = new Set<string>();
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization) authorizations.add(req.headers.authorization);
    const headers: IncomingHttpHeaders = { ...req.headers, host: new URL(target).host };
    const upstream = httpRequest(`${target}${req.url ?? '/'}`, { method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('build requests: private repository credentials', () => {
  let api: TestApi;
  let git: GitServer;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  const workers: BuildWorker[] = [];

  beforeAll(async () => {
    api = await startTestApi({ git: GIT });
    git = await startGitServer();
    proxy = await recordingProxy(git.baseUrl);
  });
  afterAll(async () => {
    await closeWorkers(workers);
    await closeBuildApi(api);
    await proxy.close();
    await git.close();
  });

  it('uses git_credentials and URL credentials for the clone, and never shows nor keeps them', async () => {
    git.push(`${api.runId}-private`, { Dockerfile: 'FROM berth-test/busybox:latest\nRUN echo private\n' });
    const [bodyToken, urlToken] = [`tok-${nonce()}`, `pw-${nonce()}`];
    const plainUrl = `${proxy.url}/${api.runId}-private.git`;
    const withPassword = plainUrl.replace('http://', `http://deploy2:${urlToken}@`);
    const submitted = [
      await submitBuild(api, dockerfileBuild(plainUrl, `${api.runId}-private:1`, { git_credentials: { username: 'deploy', token: bodyToken } })),
      await submitBuild(api, dockerfileBuild(withPassword, `${api.runId}-private:2`)),
    ];
    const secrets = [bodyToken, urlToken];
    const leaks = (text: string) => secrets.filter((s) => text.includes(s));
    for (const build of submitted) {
      expect(leaks(JSON.stringify(build))).toEqual([]);
      expect(build.git_repo).toBe(plainUrl);
    }

    // Queued: the secrets wait in Redis under their own key only, sealed, never in the job or the record.
    const prefix = api.config.redis.prefix;
    const queued = await redisDump(prefix);
    for (const [key, value] of queued) expect({ key, leaks: leaks(value) }).toEqual({ key, leaks: [] });
    expect([...queued.keys()].filter((k) => k.endsWith(':secret')).sort()).toEqual(submitted.map((b) => `${prefix}:build:${b.id}:secret`).sort());

    workers.push(await startTestWorker(api.config));
    for (const build of submitted) expect((await waitForBuild(api, build.id, ['succeeded', 'failed', 'cancelled'])).status).toBe('succeeded');

    // The clone sent them: that is what they were for.
    expect(proxy.authorizations).toEqual(
      new Set([`Basic ${Buffer.from(`deploy:${bodyToken}`).toString('base64')}`, `Basic ${Buffer.from(`deploy2:${urlToken}`).toString('base64')}`]),
    );

    const shown: string[] = [];
    for (const build of submitted) {
      shown.push((await request(api.url).get(`/api/v1/builds/${build.id}`).set(api.auth())).text);
      shown.push(JSON.stringify(await buildLog(api, build.id)));
      shown.push((await request(api.url).get(`/api/v1/builds/${build.id}/logs?follow=true`).set(api.auth())).text);
    }
    shown.push((await request(api.url).get('/api/v1/builds').set(api.auth())).text);
    shown.push((await request(api.url).get('/api/v1/builds?status=succeeded').set(api.auth())).text);
    for (const text of shown) expect(leaks(text)).toEqual([]);
    expect(shown.join('\n')).toContain(plainUrl);

    const ended = await redisDump(prefix);
    expect([...ended.keys()].filter((k) => k.endsWith(':secret'))).toEqual([]);
    for (const [key, value] of ended) expect({ key, leaks: leaks(value) }).toEqual({ key, leaks: [] });
  }, 120_000);
});

describe('builds while Redis is down', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ git: GIT, redis: { url: `redis://127.0.0.1:${await freePort()}` } });
  });
  afterAll(async () => {
    await api.close();
    // ioredis arms a 2 s timer (its connectTimeout) when disconnecting a connection that never
    // came up; let it run out so that jest exits cleanly.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
  });

  it('answers POST /images/build with 503, not hanging', async () => {
    // The request's own timeout only guards against a hang; no speed is asserted here.
    const res = await request(api.url).post('/api/v1/images/build').set(api.auth()).timeout(30_000).send(dockerfileBuild('http://127.0.0.1:9/app.git', 'app:1'));
    expectError(res, 503, 'redis_unavailable');
    expect(res.body.error.message).toMatch(/redis/i);
  });

  it('answers every build route with 503 redis_unavailable', async () => {
    const get = (path: string) => request(api.url).get(path).set(api.auth());
    for (const res of [
      await get('/api/v1/builds'),
      await get('/api/v1/builds/some-build'),
      await get('/api/v1/builds/some-build/logs'),
      await get('/api/v1/builds/some-build/logs?follow=true'),
      await request(api.url).post('/api/v1/builds/some-build/cancel').set(api.auth()),
      await request(api.url).delete('/api/v1/builds/some-build').set(api.auth()),
    ]) {
      expectError(res, 503, 'redis_unavailable');
    }
  });

  it('answers GET /healthy with 503 naming redis (the engine is up)', async () => {
    const res = await request(api.url).get('/api/v1/healthy').timeout(30_000);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'unhealthy', message: expect.stringContaining('redis'), details: { engine: 'up', redis: 'down' } });
    expect(res.body.error.message).not.toContain('engine');
  });
});
