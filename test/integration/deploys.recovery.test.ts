import request from 'supertest';
import { startDeployEnv, type DeployEnv } from '../support/deploy-env';
import { appContainers, appFiles, createApp, deploy, deployCommit, deploymentLog, waitForDeployment } from './deploy-helpers';

/**
 * stop-first: a new release that fails its gate leaves the previous one serving again, in its own
 * containers; and a stopped app that gets deployed serves again.
 */
describe('deploys: stop-first recovery', () => {
  let env: DeployEnv;
  const name = (what: string) => `${env.api.runId}-${what}`;

  beforeAll(async () => {
    env = await startDeployEnv();
  });

  afterAll(async () => {
    await env?.close();
  });

  it('starts the stopped v1 containers again, gated and routed, when the next release fails its health check', async () => {
    const app = name('sfr');
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('v1'));
    await createApp(env, {
      name: app,
      git_repo: url,
      buildpack_type: 'dockerfile',
      domains: [host],
      strategy: 'stop-first',
      volumes: { data: '/data' },
      env: { DATA_DIR: '/data' },
      health_check: { gate_seconds: 5 },
    });
    try {
      await deployCommit(env, app, commit);
      expect(await env.get(host)).toEqual({ status: 200, body: 'v1' });
      const v1 = (await appContainers(env, app)).filter((c) => c.release === '1').map((c) => c.id);
      expect(v1).toHaveLength(1);

      const broken = env.git.push(app, appFiles('broken'), { append: true });
      const d = await deploy(env, app, { git_commit: broken.commit });
      const failed = await waitForDeployment(env, d.id, 'failed');
      expect(failed.error?.code).toBe('release_unhealthy');
      const log = await deploymentLog(env, d.id);
      expect(log).toContain('[berth] the previous release 1 was restored and serves again');

      // The proxy serves v1 again, from the same container, running; the failed release is gone.
      expect(await env.get(host)).toEqual({ status: 200, body: 'v1' });
      const after = await appContainers(env, app);
      expect(after.map((c) => ({ id: c.id, release: c.release, state: c.state }))).toEqual([{ id: v1[0], release: '1', state: 'running' }]);
      // It was stopped and started again (the volume keeps its record), not replaced.
      const events = (await env.get(host, '/events')).body.trim().split('\n');
      expect(events.filter((e) => e.endsWith(' v1'))).toEqual(['start v1', 'stop v1', 'start v1']);
      const status = await request(env.api.url).get(`/api/v1/apps/${app}`).set(env.api.auth());
      expect(status.body).toMatchObject({ live_release: 1 });
    } finally {
      await request(env.api.url).delete(`/api/v1/apps/${app}?volumes=true`).set(env.api.auth());
    }
  });

  it('serves a stopped app again once a deployment of it succeeds, and the app is no longer stopped', async () => {
    const app = name('stp');
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('p1'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host] });
    try {
      await deployCommit(env, app, commit);
      const stop = await request(env.api.url).post(`/api/v1/apps/${app}/stop`).set(env.api.auth());
      expect(stop.status).toBe(200);
      expect((await env.get(host)).status).not.toBe(200);
      const next = env.git.push(app, appFiles('p2'), { append: true });
      await deployCommit(env, app, next.commit);
      expect(await env.get(host)).toEqual({ status: 200, body: 'p2' });
      const shown = await request(env.api.url).get(`/api/v1/apps/${app}`).set(env.api.auth());
      expect(shown.body).toMatchObject({ status: 'running', live_release: 2 });
    } finally {
      await request(env.api.url).delete(`/api/v1/apps/${app}`).set(env.api.auth());
    }
  });
});
