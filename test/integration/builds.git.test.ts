import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { expectError } from './helpers';
import { buildLog, closeBuildApi, closeWorkers, dockerfileBuild, getBuild, submitBuild, waitForBuild } from './build-helpers';

/** 4 MiB: any fixture here fits, the compressed 16 MiB file does not. */
const MAX_CHECKOUT = 4 * 1024 * 1024;
const DOCKERFILE = 'FROM berth-test/busybox:latest\nCOPY . /app\n';

describe('builds: what git may reach and send', () => {
  let api: TestApi;
  let git: GitServer;
  /** A second server, on another port: the host a submodule names. */
  let other: GitServer;
  let worker: BuildWorker | undefined;
  const submit = (body: object) => request(api.url).post('/api/v1/images/build').set(api.auth()).send(body);
  const port = (server: GitServer) => new URL(server.baseUrl).port;
  /** Runs a build to its end through the real worker. */
  const build = async (body: Record<string, unknown>) => {
    const { id } = await submitBuild(api, body);
    return waitForBuild(api, id, ['succeeded', 'failed', 'cancelled']);
  };

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] }, build: { max_checkout_bytes: MAX_CHECKOUT } });
    git = await startGitServer();
    other = await startGitServer();
    worker = await startTestWorker(api.config);
  });
  afterAll(async () => {
    if (worker) await closeWorkers([worker]);
    await closeBuildApi(api);
    await git.close();
    await other.close();
  });
  beforeEach(() => {
    git.requests.length = 0;
    other.requests.length = 0;
  });

  it.each([
    ['a host starting with "-"', 'https://-oProxyCommand.example/app.git', 'host must not start with "-"'],
    ['an ssh host starting with "-"', 'git@-oProxyCommand.example:app.git', 'host must not start with "-"'],
    ['a host that does not resolve', 'https://git.no-such-host.invalid/app.git', 'host "git.no-such-host.invalid" cannot be resolved'],
  ])('400 naming git_repo for %s, nothing queued', async (_what, repo, message) => {
    const res = await submit(dockerfileBuild(repo, `${api.runId}-refused:1`));
    expectError(res, 400, 'invalid_input', 'git_repo');
    expect(res.body.error.message).toContain(message);
    expect((await request(api.url).get('/api/v1/builds').set(api.auth())).body.total).toBe(0);
  });

  it('fails a build whose submodule names a refused host with host_refused, before any request reaches that host', async () => {
    const lib = other.push(`${api.runId}-evil-lib`, { 'lib.txt': 'lib\n' });
    other.requests.length = 0;
    const { url } = git.push(
      `${api.runId}-evil-app`,
      { Dockerfile: DOCKERFILE },
      {
        submodules: { lib: { url: `http://localhost:${port(other)}/${api.runId}-evil-lib.git`, commit: lib.commit } },
      },
    );
    const ended = await build(dockerfileBuild(url, `${api.runId}-evil:1`, { git_submodules: true }));
    expect(ended).toMatchObject({
      status: 'failed',
      error: { code: 'host_refused', message: expect.stringContaining('host "localhost" resolves to the internal address') },
    });
    expect(other.requests).toEqual([]);
  }, 120_000);

  it("sends the build's token to its repository and not to the host a submodule names", async () => {
    const token = `ghp_${api.runId}-scoped`;
    const lib = other.push(`${api.runId}-lib`, { 'lib.txt': 'lib\n' });
    const { url } = git.push(
      `${api.runId}-app`,
      { Dockerfile: DOCKERFILE },
      {
        submodules: { lib: { url: `http://127.0.0.1:${port(other)}/${api.runId}-lib.git`, commit: lib.commit } },
      },
    );
    other.requests.length = 0;
    const ended = await build(dockerfileBuild(url, `${api.runId}-scoped:1`, { git_submodules: true, git_credentials: { token } }));
    expect(ended.status).toBe('succeeded');
    const sent = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    expect(git.requests.length).toBeGreaterThan(0);
    expect(git.requests.map((r) => r.headers.authorization)).toEqual(git.requests.map(() => sent));
    expect(other.requests.length).toBeGreaterThan(0);
    expect(other.requests.map((r) => r.headers.authorization)).toEqual(other.requests.map(() => undefined));
    expect(JSON.stringify(await buildLog(api, ended.id))).not.toContain(token);
  }, 120_000);

  it('fails a build whose checkout expands past [build] max_checkout_bytes with checkout_too_large', async () => {
    const { url } = git.push(`${api.runId}-bomb`, { Dockerfile: DOCKERFILE, 'zeros.bin': '\0'.repeat(16 * 1024 * 1024) });
    const ended = await build(dockerfileBuild(url, `${api.runId}-bomb:1`));
    expect(ended).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'checkout_too_large', message: 'the checkout is larger than 4 MiB ([build] max_checkout_bytes)' },
    });
    expect((await getBuild(api, ended.id)).image_id).toBeUndefined();
  }, 120_000);

  it('builds from a dumb-HTTP server (static files), cloning in full', async () => {
    const dumb = await startGitServer({ dumb: true });
    try {
      const { url, commit } = dumb.push(`${api.runId}-static`, { Dockerfile: DOCKERFILE });
      const ended = await build(dockerfileBuild(url, `${api.runId}-dumb:1`));
      expect(ended).toMatchObject({ status: 'succeeded' });
      expect((await getBuild(api, ended.id)) as unknown).toMatchObject({ commit });
    } finally {
      await dumb.close();
    }
  }, 120_000);
});
