import request from 'supertest';
import { startDeployEnv, type DeployEnv } from '../support/deploy-env';
import { KeepAliveLoad } from '../support/keep-alive-load';
import { poll } from './helpers';
import { appContainers, appFiles, createApp, deploy, deployCommit, deploymentLog, pushAndDeploy, waitForDeployment } from './deploy-helpers';

/**
 * Apps deployed from git through the real pipeline: build (dockerfile buildpack), replicas on the
 * engine, health gate, the API's own HAProxy switched at runtime, drain, rollback.
 */
describe('deploys through the proxy', () => {
  let env: DeployEnv;
  const name = (what: string) => `${env.api.runId}-${what}`;

  beforeAll(async () => {
    env = await startDeployEnv();
  });

  afterAll(async () => {
    await env?.close();
  });

  it('serves a git app on its domain, redeploys 5 times under keep-alive load without a failed request, and rolls back', async () => {
    const app = name('web');
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('v1'));
    await createApp(env, { name: app, git_repo: url, git_branch: 'main', buildpack_type: 'dockerfile', domains: [host], replicas: 2, drain_seconds: 1 });
    // Not routed before its first release.
    expect((await env.get(host)).status).toBe(404);
    const first = await deployCommit(env, app, commit);
    expect(first).toMatchObject({ status: 'succeeded', release: 1 });
    expect(await env.get(host)).toEqual({ status: 200, body: 'v1' });

    const load = new KeepAliveLoad({ port: env.httpPort, host, connections: 10, maxMs: 400_000 });
    try {
      for (let i = 2; i <= 6; i++) {
        const d = await pushAndDeploy(env, app, app, `v${i}`);
        expect(d.release).toBe(i);
        expect((await env.get(host)).body).toBe(`v${i}`);
      }
    } finally {
      const result = await load.stop();
      expect({ failures: result.failures, reasons: Object.fromEntries(result.reasons) }).toEqual({ failures: 0, reasons: {} });
      expect(result.requests).toBeGreaterThan(100);
      expect([...result.bodies.keys()].sort()).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
    }
    // Only the live release runs: the old ones were drained and removed.
    await poll('old releases removed', async () => ((await appContainers(env, app)).every((c) => c.release === '6') ? true : undefined));

    const back = await request(env.api.url).post(`/api/v1/apps/${app}/rollback`).set(env.api.auth()).send({});
    expect(back.status).toBe(202);
    const rolled = await waitForDeployment(env, (back.body as { id: string }).id);
    expect(rolled).toMatchObject({ kind: 'rollback', release: 7 });
    expect(await env.get(host)).toEqual({ status: 200, body: 'v5' });
    const releases = await request(env.api.url).get(`/api/v1/apps/${app}/releases`).set(env.api.auth());
    expect(releases.status).toBe(200);
  });

  it('keeps the serving release untouched when a new one fails its health check, and says why', async () => {
    const app = name('gate');
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('good'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host], health_check: { gate_seconds: 6 } });
    await deployCommit(env, app, commit);
    const broken = env.git.push(app, appFiles('broken'), { append: true });
    const d = await deploy(env, app, { git_commit: broken.commit });
    const failed = await waitForDeployment(env, d.id, 'failed');
    expect(failed.error?.code).toBe('release_unhealthy');
    const log = (await deploymentLog(env, d.id)).join('\n');
    expect(log).toMatch(/500/);
    expect(await env.get(host)).toEqual({ status: 200, body: 'good' });
    await poll('failed release removed', async () => ((await appContainers(env, app)).every((c) => c.release === '1') ? true : undefined));
  });

  it('runs the latest of queued deployments and supersedes the ones waiting', async () => {
    const app = name('latest');
    const host = `${app}.test`;
    const { url } = env.git.push(app, appFiles('l1'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host], drain_seconds: 0 });
    const c2 = env.git.push(app, appFiles('l2'), { append: true }).commit;
    const c3 = env.git.push(app, appFiles('l3'), { append: true }).commit;
    const c4 = env.git.push(app, appFiles('l4'), { append: true }).commit;
    const a = await deploy(env, app, { git_commit: c2 });
    const b = await deploy(env, app, { git_commit: c3 });
    const c = await deploy(env, app, { git_commit: c4 });
    await waitForDeployment(env, c.id);
    expect((await env.get(host)).body).toBe('l4');
    const ends = await Promise.all([a, b].map((x) => waitForDeployment(env, x.id, undefined as unknown as string).catch(() => undefined)));
    void ends;
    const statuses = await Promise.all(
      [a, b].map(async (x) => (await request(env.api.url).get(`/api/v1/deployments/${x.id}`).set(env.api.auth())).body.status as string),
    );
    // The first may have been claimed already (it then ran to its end); the second waited, and lost.
    expect(statuses[1]).toBe('superseded');
    // The same commit again is not built twice.
    const again = await deploy(env, app, { git_commit: c4 }, 200);
    expect(again).toMatchObject({ id: c.id });
  });

  it('keeps volumes across releases, and stop-first stops the old release before starting the new', async () => {
    const app = name('vol');
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('s1'));
    await createApp(env, {
      name: app,
      git_repo: url,
      buildpack_type: 'dockerfile',
      domains: [host],
      strategy: 'stop-first',
      volumes: { data: '/data' },
      env: { DATA_DIR: '/data' },
    });
    await deployCommit(env, app, commit);
    await pushAndDeploy(env, app, app, 's2');
    const events = await env.get(host, '/events');
    expect(events.body.trim().split('\n')).toEqual(['start s1', 'stop s1', 'start s2']);
    const del = await request(env.api.url).delete(`/api/v1/apps/${app}?volumes=true`).set(env.api.auth());
    expect(del.status).toBe(204);
  });

  it('recovers the routes when HAProxy is killed', async () => {
    const app = name('hap');
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('h1'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host] });
    await deployCommit(env, app, commit);
    const before = env.haproxyPid();
    env.crashHaproxy();
    await poll(
      'HAProxy restarted',
      async () => {
        const res = await env.get(host).catch(() => undefined);
        return res?.status === 200 && res.body === 'h1' ? true : undefined;
      },
      30_000,
    );
    expect(env.haproxyPid()).not.toBe(before);
  });
});
