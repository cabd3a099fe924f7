import { createHmac } from 'node:crypto';
import request from 'supertest';
import { startDeployEnv, type DeployEnv } from '../support/deploy-env';
import { poll } from './helpers';
import {
  APP_DOCKERFILE,
  appContainers,
  appFiles,
  createApp,
  deploy,
  deployCommit,
  deploymentLog,
  getDeployment,
  pushAndDeploy,
  waitForDeployment,
  type DeploymentBody,
} from './deploy-helpers';

/**
 * The user's flows end to end through the real stores: a signed push deploys, a config change
 * makes a release without a build and keeps its values secret, a removed app leaves nothing routed
 * or running, a cancelled build leaves the old release serving, and kept releases keep their images.
 */
describe('deploy flows through the API', () => {
  let env: DeployEnv;
  const name = (what: string) => `${env.api.runId}-${what}`;
  const api = () => request(env.api.url);

  beforeAll(async () => {
    // One kept release: retention can be watched after a single redeploy.
    env = await startDeployEnv({ deploy: { releases_kept: 1 } });
  });

  afterAll(async () => {
    await env?.close();
  });

  async function deployments(app: string): Promise<{ deployments: DeploymentBody[]; total: number }> {
    const res = await api().get(`/api/v1/apps/${app}/deployments`).set(env.api.auth());
    expect(res.status).toBe(200);
    return res.body as { deployments: DeploymentBody[]; total: number };
  }

  async function releases(app: string): Promise<Array<{ number: number; image: string; image_id: string; live: boolean }>> {
    const res = await api().get(`/api/v1/apps/${app}/releases`).set(env.api.auth());
    expect(res.status).toBe(200);
    return (res.body as { releases: Array<{ number: number; image: string; image_id: string; live: boolean }> }).releases;
  }

  describe('a GitHub push webhook', () => {
    const push = (app: string, secret: string, body: object) => {
      const raw = Buffer.from(JSON.stringify(body));
      const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
      return fetch(`${env.api.url}/api/v1/webhooks/github/${app}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature },
        body: raw,
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as { result: string; reason?: string; deployment_id?: string } }));
    };
    const payload = (branch: string, before: string, after: string) => ({
      ref: `refs/heads/${branch}`,
      before,
      after,
      repository: { default_branch: 'main' },
      head_commit: { id: after, message: 'next version' },
      commits: [{ id: after, message: 'next version' }],
    });

    it('deploys the pushed commit once, ignores other branches and refuses a bad signature', async () => {
      const app = name('hook');
      const host = `${app}.test`;
      const first = env.git.push(app, appFiles('h1'));
      const created = await createApp(env, { name: app, git_repo: first.url, git_branch: 'main', buildpack_type: 'dockerfile', domains: [host] });
      const secret = created.webhook_secret as string;
      expect(secret).toEqual(expect.any(String));
      await deployCommit(env, app, first.commit);
      const next = env.git.push(app, appFiles('h2'), { append: true });

      const queued = await push(app, secret, payload('main', first.commit, next.commit));
      expect(queued).toEqual({ status: 202, body: { result: 'queued', deployment_id: expect.any(String) } });
      const done = await waitForDeployment(env, queued.body.deployment_id!);
      expect(done).toMatchObject({ trigger: 'webhook:github', commit: next.commit, release: 2 });
      expect(await env.get(host)).toEqual({ status: 200, body: 'h2' });

      const before = (await deployments(app)).total;
      const again = await push(app, secret, payload('main', first.commit, next.commit));
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ result: 'ignored', deployment_id: queued.body.deployment_id });
      expect(['already_live', 'in_progress']).toContain(again.body.reason);
      const other = await push(app, secret, payload('feature', first.commit, 'f'.repeat(40)));
      expect(other).toMatchObject({ status: 200, body: { result: 'ignored', reason: 'other_branch' } });
      const forged = await push(app, 'not-the-secret', payload('main', next.commit, first.commit));
      expect(forged.status).toBe(401);
      expect((await deployments(app)).total).toBe(before);
      expect(await env.get(host)).toEqual({ status: 200, body: 'h2' });
    });
  });

  it('shows a live app as running with its release and URLs', async () => {
    const app = name('view');
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('view'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host], replicas: 2 });
    await deployCommit(env, app, commit);
    const res = await api().get(`/api/v1/apps/${app}`).set(env.api.auth());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: app, status: 'running', live_release: 1, urls: [`http://${host}/`] });
    expect((res.body as { replicas_state: Array<{ state: string }> }).replicas_state).toEqual([
      expect.objectContaining({ state: 'running' }),
      expect.objectContaining({ state: 'running' }),
    ]);
  });

  it('makes a release of the same image without a build when env changes, and never shows the value', async () => {
    const app = name('env');
    const host = `${app}.test`;
    const secretValue = `greeting-${env.api.runId}-s3cr3t`;
    const { url, commit } = env.git.push(app, appFiles('env'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host], env: { GREETING: 'hello' } });
    const first = await deployCommit(env, app, commit);
    expect(await env.get(host, '/env')).toEqual({ status: 200, body: 'hello' });
    const [live] = await releases(app);
    const buildsBefore = (await api().get('/api/v1/builds').set(env.api.auth())).body as { total: number };

    const patched = await api()
      .patch(`/api/v1/apps/${app}`)
      .set(env.api.auth())
      .send({ env: { GREETING: secretValue } });
    expect(patched.status).toBe(200);
    const [latest] = (await deployments(app)).deployments;
    expect(latest).toMatchObject({ kind: 'config' });
    expect(latest!.id).not.toBe(first.id);
    const done = await waitForDeployment(env, latest!.id);
    expect(done.release).toBe(2);
    expect(done.build_id).toBeUndefined();
    expect(await env.get(host, '/env')).toEqual({ status: 200, body: secretValue });
    const [now] = await releases(app);
    expect(now).toMatchObject({ number: 2, image_id: live!.image_id, image: live!.image, live: true });
    expect(((await api().get('/api/v1/builds').set(env.api.auth())).body as { total: number }).total).toBe(buildsBefore.total);

    const seen = [
      JSON.stringify(patched.body),
      JSON.stringify((await api().get(`/api/v1/apps/${app}`).set(env.api.auth())).body),
      JSON.stringify(await getDeployment(env, done.id)),
      JSON.stringify(await deployments(app)),
      JSON.stringify(await releases(app)),
      (await deploymentLog(env, done.id)).join('\n'),
    ];
    for (const text of seen) expect(text).not.toContain(secretValue);
    expect(seen[1]).toContain('GREETING');
  });

  it('removes a live app: its routes and its containers', async () => {
    const app = name('gone');
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('gone'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host], replicas: 2 });
    await deployCommit(env, app, commit);
    expect(await env.get(host)).toEqual({ status: 200, body: 'gone' });
    expect(await appContainers(env, app)).toHaveLength(2);

    const res = await api().delete(`/api/v1/apps/${app}`).set(env.api.auth());
    expect(res.status).toBe(204);
    expect((await env.get(host)).status).toBe(404);
    expect(await appContainers(env, app)).toEqual([]);
    expect((await api().get(`/api/v1/apps/${app}`).set(env.api.auth())).status).toBe(404);
  });

  it('cancels a deployment while it builds: it ends cancelled and the old release keeps serving', async () => {
    const app = name('cancel');
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('c1'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host] });
    await deployCommit(env, app, commit);
    const slow = env.git.push(app, { ...appFiles('c2'), Dockerfile: APP_DOCKERFILE.replace('CMD', 'RUN sleep 120\nCMD') }, { append: true });
    const d = await deploy(env, app, { git_commit: slow.commit });
    const buildOf = async (id: string) => (await api().get(`/api/v1/builds/${id}`).set(env.api.auth())).body as { status: string };
    // Cancelled in the build's `RUN sleep` step.
    const building = await poll(
      'deployment building',
      async () => {
        const current = await getDeployment(env, d.id);
        if (current.status !== 'building' || typeof current.build_id !== 'string') return undefined;
        return (await buildOf(current.build_id)).status === 'building' ? current : undefined;
      },
      60_000,
      100,
    );
    expect((await api().get(`/api/v1/apps/${app}`).set(env.api.auth())).body).toMatchObject({ status: 'deploying', live_release: 1 });
    const cancel = await api().post(`/api/v1/deployments/${d.id}/cancel`).set(env.api.auth()).send({});
    expect(cancel.status).toBe(202);
    const ended = await waitForDeployment(env, d.id, 'cancelled', 60_000);
    expect(ended.status).toBe('cancelled');
    await poll('build cancelled', async () => ((await buildOf(building.build_id as string)).status === 'cancelled' ? true : undefined), 30_000);
    expect(await env.get(host)).toEqual({ status: 200, body: 'c1' });
    expect((await appContainers(env, app)).map((c) => c.release)).toEqual(['1']);
    const res = await api().get(`/api/v1/apps/${app}`).set(env.api.auth());
    expect(res.body).toMatchObject({ status: 'running', live_release: 1 });
  });

  it('keeps the image of a kept release from removal, even forced, until retention drops the release', async () => {
    const app = name('keep');
    const { url, commit } = env.git.push(app, appFiles('k1'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [`${app}.test`] });
    await deployCommit(env, app, commit);
    const [kept] = await releases(app);
    const remove = (ref: string, force: boolean) =>
      api()
        .delete(`/api/v1/images/${encodeURIComponent(ref)}?force=${force}`)
        .set(env.api.auth());
    for (const [ref, force] of [
      [kept!.image, false],
      [kept!.image, true],
      [kept!.image_id, true],
    ] as const) {
      const res = await remove(ref, force);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'state_conflict', message: expect.stringContaining(`release 1 of app ${app}`) });
    }
    expect(
      (
        await api()
          .get(`/api/v1/images/${encodeURIComponent(kept!.image_id)}`)
          .set(env.api.auth())
      ).status,
    ).toBe(200);

    // releases_kept = 1: the next release drops release 1, and its image may go.
    await pushAndDeploy(env, app, app, 'k2');
    expect((await releases(app)).map((r) => r.number)).toEqual([2]);
    expect((await remove(kept!.image, true)).status).toBe(204);
    expect(
      (
        await api()
          .get(`/api/v1/images/${encodeURIComponent(kept!.image_id)}`)
          .set(env.api.auth())
      ).status,
    ).toBe(404);
  });
});
