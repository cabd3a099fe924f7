import Docker from 'dockerode';
import { Redis } from 'ioredis';
import request from 'supertest';
import { startDeployEnv, type DeployEnv } from '../support/deploy-env';
import { copyImage, startDockerd, type TestDockerd } from '../support/dockerd-node';
import { REDIS_URL, SOCKETS } from '../support/engines';
import { poll } from './helpers';
import { appFiles, createApp, deploy, deployCommit, deploymentLog, pushAndDeploy, waitForDeployment } from './deploy-helpers';

/** The base image of the test app's Dockerfile, copied into the second dockerd (it has no registry). */
const BASE_IMAGE = 'berth-test/node:20';

/**
 * An app on a second dockerd (`second`, its own socket, data-root and bridge; its address is
 * 127.0.0.1): built and run there, served through the API's HAProxy, rolled back there, moved to
 * `local`; and a deploy to that node while it is stopped fails naming it, the live release serving on.
 */
describe('apps on a node', () => {
  let env: DeployEnv;
  let second: TestDockerd;
  const patch = (app: string, body: object) => request(env.api.url).patch(`/api/v1/apps/${app}`).set(env.api.auth()).send(body);
  const containersOn = async (docker: Docker, app: string): Promise<Array<{ release: string; state: string }>> => {
    const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`berth.app=${app}`, `berth.instance=${env.api.runId}`] }) });
    return list.map((c) => ({ release: c.Labels['berth.release'] ?? '', state: c.State }));
  };

  beforeAll(async () => {
    second = await startDockerd();
    await copyImage(new Docker({ socketPath: SOCKETS.docker }), second.docker, BASE_IMAGE);
    env = await startDeployEnv({ nodes: [{ name: 'second', host: `unix://${second.socketPath}`, timeout_seconds: 5 }] } as never);
  });

  afterAll(async () => {
    const prefix = env?.api.config.redis.prefix;
    await env?.close();
    await second?.remove();
    await forgetNodeRecords(prefix, env?.api.config.server.instance);
  });

  it('refuses an unknown node, naming the field', async () => {
    const res = await request(env.api.url)
      .post('/api/v1/apps')
      .set(env.api.auth())
      .send({ name: `${env.api.runId}-nowhere`, image: 'berth-test/busybox:latest', node: 'nowhere' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_input', field: 'node' });
  });

  it('builds and runs an app on the node, serves it through the proxy, rolls back there, then moves it to local', async () => {
    const app = `${env.api.runId}-away`;
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('n1'));
    const created = await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host], node: 'second', drain_seconds: 0 });
    expect(created.node).toBe('second');

    const first = await deployCommit(env, app, commit);
    expect(first).toMatchObject({ status: 'succeeded', release: 1, node: 'second' });
    expect(await env.get(host)).toEqual({ status: 200, body: 'n1' });
    // Built and run on the node: nothing of the app on this project's engine.
    expect(await containersOn(second.docker, app)).toEqual([{ release: '1', state: 'running' }]);
    expect(await containersOn(env.api.docker, app)).toEqual([]);

    await pushAndDeploy(env, app, app, 'n2');
    expect(await env.get(host)).toEqual({ status: 200, body: 'n2' });
    await poll('release 1 drained on the node', async () => ((await containersOn(second.docker, app)).every((c) => c.release === '2') ? true : undefined));

    const back = await request(env.api.url).post(`/api/v1/apps/${app}/rollback`).set(env.api.auth()).send({});
    expect(back.status).toBe(202);
    const rolled = await waitForDeployment(env, (back.body as { id: string }).id);
    expect(rolled).toMatchObject({ kind: 'rollback', release: 3, node: 'second' });
    expect(await env.get(host)).toEqual({ status: 200, body: 'n1' });

    // Status, stop and start act on the node the live release runs on, probed at its address.
    const status = await request(env.api.url).get(`/api/v1/apps/${app}/status`).set(env.api.auth());
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ status: 'running', live_release: 3 });
    expect(status.body.replicas).toEqual([
      expect.objectContaining({ release: 3, live: true, state: 'running', health: 'healthy', address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) }),
    ]);
    expect((await request(env.api.url).post(`/api/v1/apps/${app}/stop`).set(env.api.auth())).status).toBe(200);
    expect(await containersOn(second.docker, app)).toEqual([{ release: '3', state: 'exited' }]);
    expect((await request(env.api.url).post(`/api/v1/apps/${app}/start`).set(env.api.auth())).status).toBe(200);
    expect(await env.get(host)).toEqual({ status: 200, body: 'n1' });

    // The move: the next deploy builds and starts on local, switches, then drains and removes the node's release.
    const moved = await patch(app, { node: 'local' });
    expect(moved.status).toBe(200);
    expect(moved.body.node).toBe('local');
    const d = await pushAndDeploy(env, app, app, 'n3');
    expect(d).toMatchObject({ release: 4, node: 'local' });
    expect(await env.get(host)).toEqual({ status: 200, body: 'n3' });
    expect(await containersOn(env.api.docker, app)).toEqual([{ release: '4', state: 'running' }]);
    await poll('the node keeps nothing of the app', async () => ((await containersOn(second.docker, app)).length === 0 ? true : undefined));
    expect((await deploymentLog(env, d.id)).join('\n')).toMatch(/removed 1 container\(s\) of release 3 on node second/);
  });

  it('removes an app from its node when it is deleted', async () => {
    const app = `${env.api.runId}-gone`;
    const { url, commit } = env.git.push(app, appFiles('g1'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [`${app}.test`], node: 'second' });
    await deployCommit(env, app, commit);
    expect(await containersOn(second.docker, app)).toHaveLength(1);
    expect((await request(env.api.url).delete(`/api/v1/apps/${app}`).set(env.api.auth())).status).toBe(204);
    expect(await containersOn(second.docker, app)).toEqual([]);
  });

  it('fails a deploy to a stopped node, naming it, while the live release keeps serving', async () => {
    const app = `${env.api.runId}-down`;
    const host = `${app}.test`;
    const { url, commit } = env.git.push(app, appFiles('d1'));
    await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host], drain_seconds: 0 });
    await deployCommit(env, app, commit);
    expect((await patch(app, { node: 'second' })).status).toBe(200);
    await second.stop();
    try {
      const next = env.git.push(app, appFiles('d2'), { append: true });
      const d = await deploy(env, app, { git_commit: next.commit });
      const failed = await waitForDeployment(env, d.id, 'failed');
      expect(failed.error?.code).toBe('node_unavailable');
      expect(failed.error?.message).toMatch(/node "second" is unavailable/);
      expect(await env.get(host)).toEqual({ status: 200, body: 'd1' });
      expect(await containersOn(env.api.docker, app)).toEqual([{ release: '1', state: 'running' }]);
    } finally {
      await second.start();
    }
  });
});

/** The container records of the test's node (`<prefix>:containers:<instance>:node:second`). */
async function forgetNodeRecords(prefix: string | undefined, instance: string | undefined): Promise<void> {
  if (!prefix || !instance) return;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await redis.del(`${prefix}:containers:${instance}:node:second`);
  } finally {
    redis.disconnect();
  }
}
