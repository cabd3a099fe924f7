import { UnrecoverableError } from 'bullmq';
import winston from 'winston';
import { ReleaseRunner } from '../src/deploys/release.runner';
import { UnavailableError } from '../src/errors';
import { MemoryContainerRegistry } from '../src/services/testing/memory-container.registry';
import type { DeployNode } from './deploy-run';
import { TEST_SECRETS, deployHarness, steppedClock, testApp, type DeployHarness } from './testing/deploy-harness';
import { FakeReleaseEngine } from './testing/fake-release.engine';

/** A second node, `edge`, at 10.0.0.5: its own fake engine and records; `down` makes its ping fail. */
function edgeNode() {
  const engine = new FakeReleaseEngine();
  engine.images.set('berth-test/nginx:alpine', { id: 'sha256:nginx', exposedPorts: [80] });
  const state = { down: false };
  const probed: string[] = [];
  const probe = async (target: { host: string; port: number }) => {
    probed.push(`${target.host}:${target.port}`);
    return { ok: true, status: 200 };
  };
  const runner = new ReleaseRunner(
    engine,
    new MemoryContainerRegistry(),
    { instance: 'test', clock: steppedClock(), probe, address: '10.0.0.5', publishIp: '0.0.0.0' },
    winston.createLogger({ silent: true }),
  );
  const node: DeployNode = {
    runner,
    images: engine,
    ping: async () => {
      if (state.down) throw new UnavailableError('engine', 'connect ECONNREFUSED 10.0.0.5:2376');
    },
  };
  return { engine, state, probed, lookup: (name: string) => (name === 'edge' ? node : undefined) };
}

async function deployOnce(h: DeployHarness, over = {}): Promise<string> {
  const id = await h.queue(over);
  await h.run(id);
  return id;
}

describe('DeployProcessor: apps on a node', () => {
  it('starts the replicas on the app node, probes and routes them at its address, and records the node', async () => {
    const edge = edgeNode();
    const h = deployHarness({}, edge.lookup);
    await h.apps.create(testApp({ config: { ...testApp().config, node: 'edge' } }), TEST_SECRETS);
    const id = await deployOnce(h);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', node: 'edge' });
    expect(h.engine.names()).toEqual([]);
    expect(edge.engine.names()).toEqual(['berth-web-r1-1', 'berth-web-r1-2']);
    expect(edge.engine.spec('berth-web-r1-1')?.ports).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0' }]);
    expect(edge.probed.every((a) => a.startsWith('10.0.0.5:'))).toBe(true);
    expect((await h.routing.servers('web', 'a')).map((s) => s.address.split(':')[0])).toEqual(['10.0.0.5', '10.0.0.5']);
    expect(await h.releases.get('web', 1)).toMatchObject({ config: expect.objectContaining({ node: 'edge' }) });
    expect(await h.apps.get('web')).toMatchObject({ liveRelease: 1, liveNode: 'edge' });
  });

  it('moves an app: the new release starts and switches on the new node, then the old one is drained and removed on its own', async () => {
    const edge = edgeNode();
    const h = deployHarness({}, edge.lookup);
    await h.apps.create(testApp(), TEST_SECRETS);
    await deployOnce(h);
    const app = (await h.apps.get('web'))!;
    await h.apps.update({ ...app, config: { ...app.config, node: 'edge' }, version: app.version + 1 }, app.version);
    const id = await deployOnce(h);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', release: 2, node: 'edge', previousRelease: 1, previousNode: 'local' });
    expect(edge.engine.names()).toEqual(['berth-web-r2-1', 'berth-web-r2-2']);
    expect(h.engine.names()).toEqual([]);
    expect(h.engine.stopped).toEqual(['berth-web-r1-1 10', 'berth-web-r1-2 10']);
    expect(h.routing.calls.slice(-3)).toEqual(['stage web b r2-1,r2-2', 'route web b', 'drain web a 30000']);
    expect(await h.apps.get('web')).toMatchObject({ liveRelease: 2, liveNode: 'edge' });

    // A rollback goes back to where that release ran; liveNode is cleared for local.
    const back = await deployOnce(h, { kind: 'rollback', rollbackOf: 1 });
    expect(await h.deployments.get(back)).toMatchObject({ status: 'succeeded', release: 3, node: 'local', previousNode: 'edge' });
    expect(edge.engine.names()).toEqual([]);
    expect(h.engine.names()).toEqual(['berth-web-r3-1', 'berth-web-r3-2']);
    expect((await h.apps.get('web'))?.liveNode).toBeUndefined();
  });

  it('keeps a config change on the live release node: only a deploy moves the app', async () => {
    const edge = edgeNode();
    const h = deployHarness({}, edge.lookup);
    await h.apps.create(testApp(), TEST_SECRETS);
    await deployOnce(h);
    const app = (await h.apps.get('web'))!;
    await h.apps.update({ ...app, config: { ...app.config, node: 'edge', replicas: 1 }, version: app.version + 1 }, app.version);
    const id = await deployOnce(h, { kind: 'config' });
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', node: 'local' });
    expect(h.engine.names()).toEqual(['berth-web-r2-1']);
    expect(edge.engine.created).toEqual([]);
  });

  it('fails with node_unavailable naming a node that does not answer, starting nothing and leaving the live release', async () => {
    const edge = edgeNode();
    const h = deployHarness({}, edge.lookup);
    await h.apps.create(testApp(), TEST_SECRETS);
    await deployOnce(h);
    const app = (await h.apps.get('web'))!;
    await h.apps.update({ ...app, config: { ...app.config, node: 'edge' }, version: app.version + 1 }, app.version);
    edge.state.down = true;
    const id = await h.queue();
    await expect(h.run(id)).rejects.toBeInstanceOf(UnrecoverableError);
    const record = await h.deployments.get(id);
    expect(record?.status).toBe('failed');
    expect(record?.error).toEqual({ code: 'node_unavailable', message: 'node "edge" is unavailable: connect ECONNREFUSED 10.0.0.5:2376' });
    expect(edge.engine.created).toEqual([]);
    expect(h.engine.names()).toEqual(['berth-web-r1-1', 'berth-web-r1-2']);
    expect(h.routing.serving('web')).toEqual(['r1-1', 'r1-2']);
    expect(await h.apps.get('web')).toMatchObject({ liveRelease: 1 });
  });

  it('moves an app off a node that went down: the new release goes live, what is left there is said', async () => {
    const edge = edgeNode();
    const h = deployHarness({}, edge.lookup);
    await h.apps.create(testApp({ config: { ...testApp().config, node: 'edge' } }), TEST_SECRETS);
    await deployOnce(h);
    const app = (await h.apps.get('web'))!;
    const { node: _edge, ...config } = app.config;
    await h.apps.update({ ...app, config, version: app.version + 1 }, app.version);
    edge.engine.listContainers = async () => Promise.reject(new UnavailableError('engine', 'connect ECONNREFUSED 10.0.0.5:2376'));
    const id = await deployOnce(h);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', release: 2, node: 'local', previousNode: 'edge' });
    expect(h.routing.serving('web')).toEqual(['r2-1', 'r2-2']);
    expect(h.deployments.text(id)).toContain(
      '[berth] node "edge" is unavailable: connect ECONNREFUSED 10.0.0.5:2376: the containers of release 1 there were not removed; remove them once it is back',
    );
  });

  it('names a node an image app needs its image on', async () => {
    const edge = edgeNode();
    edge.engine.images.clear();
    const h = deployHarness({}, edge.lookup);
    await h.apps.create(testApp({ config: { ...testApp().config, node: 'edge' } }), TEST_SECRETS);
    const id = await h.queue();
    await expect(h.run(id)).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await h.deployments.get(id))?.error).toEqual({
      code: 'image_not_found',
      message: 'image berth-test/nginx:alpine is not on node edge: pull or build it there first',
    });
  });
});
