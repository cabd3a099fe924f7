import { replicaContainerSpec } from '../src/deploys/release-spec';
import { TEST_SECRETS, deployHarness, testApp, type DeployHarness } from './testing/deploy-harness';
import { fakeDeployJob } from './testing/fake-release.engine';

async function deploy(h: DeployHarness, over: Parameters<DeployHarness['queue']>[0] = {}): Promise<string> {
  const id = await h.queue(over);
  await h.run(id);
  return id;
}

async function withLiveRelease(h: DeployHarness, app = testApp()): Promise<void> {
  await h.apps.create(app, TEST_SECRETS);
  expect((await h.deployments.get(await deploy(h)))?.status).toBe('succeeded');
}

/** Makes the routing call starting with `prefix` fail once, as a worker killed right there would leave it. */
function killAt(h: DeployHarness, prefix: string): void {
  let armed = true;
  h.routing.onCall = (call) => {
    if (armed && call.startsWith(prefix)) {
      armed = false;
      throw new Error('worker killed');
    }
  };
}

describe('DeployProcessor: resumed after a worker died', () => {
  it('in health_checking: removes what the dead attempt started, then starts and gates again', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    const id = await h.queue({ status: 'health_checking', release: 2, slot: 'b', previousRelease: 1, imageId: 'sha256:nginx', attempts: 1 });
    h.deployments.claims.set('web', id);
    const spec = {
      app: 'web',
      release: 2,
      image: 'sha256:nginx',
      env: {},
      port: 80,
      setPortEnv: false,
      replicas: 2,
      volumes: {},
      healthCheck: testApp().config.healthCheck,
    };
    const left = await h.engine.createContainer(replicaContainerSpec(spec, 1, 'test'));
    await h.registry.add(left.id);
    await h.routing.stage('web', 'b', [{ name: 'r2-1', address: '127.0.0.1:1' }], 1000);
    await h.run(id);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', release: 2, attempts: 2 });
    expect(h.engine.containers.has(left.id)).toBe(false);
    expect(h.engine.names()).toEqual(['berth-web-r2-1', 'berth-web-r2-2']);
    expect(h.routing.serving('web')).toEqual(['r2-1', 'r2-2']);
    expect(h.deployments.text(id)[0]).toBe('[berth] attempt 2: taking the deployment up again (health_checking)');
  });

  it('in switching: only goes forward, starting nothing again and ignoring a cancel', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    killAt(h, 'route web b');
    const id = await h.queue();
    await expect(h.run(id)).rejects.toThrow('worker killed');
    expect(await h.deployments.get(id)).toMatchObject({ status: 'switching', release: 2 });
    // Nothing of the new release was undone: it may already be routed.
    expect(h.engine.names()).toEqual(['berth-web-r1-1', 'berth-web-r1-2', 'berth-web-r2-1', 'berth-web-r2-2']);
    const created = h.engine.created.length;
    await h.deployments.requestCancel(id);
    await h.run(id, fakeDeployJob(id, { attemptsMade: 1 }));
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(h.engine.created).toHaveLength(created);
    expect(h.routing.serving('web')).toEqual(['r2-1', 'r2-2']);
    expect(await h.releases.get('web', 2)).toMatchObject({ imageId: 'sha256:nginx', port: 80 });
    expect(await h.apps.get('web')).toMatchObject({ liveRelease: 2, liveSlot: 'b' });
    expect(h.engine.names()).toEqual(['berth-web-r2-1', 'berth-web-r2-2']);
  });

  it('in switching on its last try: ends failed with switch_failed, leaving the new release in place', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    killAt(h, 'route web b');
    const id = await h.queue();
    await expect(h.run(id, fakeDeployJob(id, { attemptsMade: 2, attempts: 3 }))).rejects.toThrow('worker killed');
    expect(await h.deployments.get(id)).toMatchObject({ status: 'failed', error: { code: 'switch_failed' } });
    expect(await h.routing.servers('web', 'b')).toHaveLength(2);
  });

  it('in draining: drains and removes the old release without switching again', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    killAt(h, 'drain web a 30000');
    const id = await h.queue();
    await expect(h.run(id)).rejects.toThrow('worker killed');
    expect(await h.deployments.get(id)).toMatchObject({ status: 'draining' });
    const routes = h.routing.calls.filter((c) => c.startsWith('route')).length;
    await h.run(id, fakeDeployJob(id, { attemptsMade: 1 }));
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded' });
    expect(h.routing.calls.filter((c) => c.startsWith('route'))).toHaveLength(routes);
    expect(h.engine.names()).toEqual(['berth-web-r2-1', 'berth-web-r2-2']);
  });
});

describe('DeployProcessor: slot choice', () => {
  it('fills the slot the proxy does not route, when the app record lags behind the proxy', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    // A switch that routed slot b but never recorded it (its last try failed after the route).
    await h.routing.stage('web', 'b', [{ name: 'r9-1', address: '127.0.0.1:9' }], 1000);
    await h.routing.route('web', ['web.example.test'], 'b');
    const id = await deploy(h);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', slot: 'a' });
    expect(h.routing.serving('web')).toEqual(['r2-1', 'r2-2']);
  });
});

describe('DeployProcessor: kinds and strategies', () => {
  it('stop-first drains and removes the old release before the new one starts', async () => {
    const h = deployHarness();
    await withLiveRelease(h, testApp({ config: { ...testApp().config, strategy: 'stop-first' } }));
    const createdBefore = h.engine.created.length;
    const id = await deploy(h);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', release: 2 });
    const calls = h.routing.calls;
    expect(calls.indexOf('drain web a 30000')).toBeLessThan(calls.indexOf('stage web b r2-1,r2-2'));
    expect(h.engine.stopped).toEqual(['berth-web-r1-1 10', 'berth-web-r1-2 10']);
    expect(h.engine.created.slice(createdBefore)).toEqual(['berth-web-r2-1', 'berth-web-r2-2']);
    expect(h.engine.names()).toEqual(['berth-web-r2-1', 'berth-web-r2-2']);
  });

  it('rollback runs the release image id and config snapshot with its secrets version, as a new release', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    h.engine.images.set('berth-test/node:20', { id: 'sha256:node', exposedPorts: [8080] });
    const app = (await h.apps.get('web'))!;
    const v2 = await h.apps.nextSecretsVersion('web');
    const next = {
      ...app,
      source: { type: 'image' as const, image: 'berth-test/node:20' },
      config: { ...app.config, replicas: 1, secretsVersion: v2 },
      version: app.version + 1,
    };
    await h.apps.update(next, app.version, { version: v2, value: { ...TEST_SECRETS, env: { DATABASE_URL: 'pg://new-database', MODE: 'staging' } } });
    await deploy(h);
    expect(h.engine.names()).toEqual(['berth-web-r2-1']);
    const id = await deploy(h, { kind: 'rollback', rollbackOf: 1 });
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', release: 3, imageId: 'sha256:nginx', previousRelease: 2 });
    const r1 = (await h.releases.get('web', 1))!;
    expect(await h.releases.get('web', 3)).toMatchObject({ imageId: 'sha256:nginx', image: 'berth-test/nginx:alpine', config: r1.config, port: 80 });
    expect(h.engine.names()).toEqual(['berth-web-r3-1', 'berth-web-r3-2']);
    expect(h.engine.spec('berth-web-r3-1')).toMatchObject({ image: 'sha256:nginx', env: TEST_SECRETS.env });
    expect(h.builds.requests).toEqual([]);
  });

  it('a config deployment runs the live image with the new config', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    const app = (await h.apps.get('web'))!;
    await h.apps.update({ ...app, config: { ...app.config, replicas: 3, port: 8080 }, version: app.version + 1 }, app.version);
    const id = await deploy(h, { kind: 'config' });
    expect(await h.releases.get('web', 2)).toMatchObject({ imageId: 'sha256:nginx', port: 8080, setPortEnv: true, config: { replicas: 3 } });
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded' });
    expect(h.engine.spec('berth-web-r2-3')?.env.PORT).toBe('8080');
  });

  it('restart starts and gates the replicas one at a time, with the same image and config', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    const id = await deploy(h, { kind: 'restart' });
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', release: 2 });
    const log = h.deployments.text(id);
    const started2 = log.findIndex((l) => l.startsWith('[replica 2] started'));
    const healthy1 = log.findIndex((l) => l.startsWith('[replica 1] healthy'));
    expect(healthy1).toBeGreaterThan(log.findIndex((l) => l.startsWith('[replica 1] started')));
    expect(started2).toBeGreaterThan(healthy1);
    expect(log.filter((l) => l.startsWith('health check: GET'))).toHaveLength(2);
    const [r1, r2] = [await h.releases.get('web', 1), await h.releases.get('web', 2)];
    expect(r2).toMatchObject({ imageId: r1?.imageId, config: r1?.config, port: r1?.port });
  });

  it('keeps releases_kept releases and drops secrets versions that neither they nor the app use', async () => {
    const h = deployHarness({ releasesKept: 2 });
    await withLiveRelease(h);
    for (let i = 0; i < 3; i++) {
      const app = (await h.apps.get('web'))!;
      const v = await h.apps.nextSecretsVersion('web');
      await h.apps.update({ ...app, config: { ...app.config, secretsVersion: v }, version: app.version + 1 }, app.version, { version: v, value: TEST_SECRETS });
      await deploy(h);
    }
    const kept = await h.releases.list('web');
    expect(kept.map((r) => r.number)).toEqual([4, 3]);
    const versions = h.apps.versions('web');
    expect(versions).toEqual(kept.map((r) => r.config.secretsVersion).sort((a, b) => a - b));
    expect(h.deployments.text((await h.deployments.list('web', 1, 0)).records[0]!.id)).toContain('[berth] releases no longer kept: 2');
  });
});
