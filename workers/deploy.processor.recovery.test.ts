import { UnrecoverableError } from 'bullmq';
import { TEST_SECRETS, deployHarness, testApp, type DeployHarness } from './testing/deploy-harness';
import { fakeDeployJob } from './testing/fake-release.engine';

const stopFirst = () => testApp({ config: { ...testApp().config, strategy: 'stop-first' } });

async function withLiveRelease(h: DeployHarness, app = testApp()): Promise<void> {
  await h.apps.create(app, TEST_SECRETS);
  const id = await h.queue();
  await h.run(id);
  expect((await h.deployments.get(id))?.status).toBe('succeeded');
}

/** Container id → name of the app's containers now. */
function containers(h: DeployHarness): Record<string, string> {
  return Object.fromEntries([...h.engine.containers.values()].map((c) => [c.details.id, c.details.name]));
}

/** New replicas fail their gate; release 1's replicas pass it again once started anew. */
function failNewPassOld(h: DeployHarness): void {
  h.health.ok = false;
  const start = h.engine.startContainer.bind(h.engine);
  h.engine.startContainer = async (id) => {
    if (h.engine.containers.get(id)?.details.name.startsWith('berth-web-r1-')) h.health.ok = true;
    await start(id);
  };
}

describe('DeployProcessor: stop-first when the new release does not make it', () => {
  it('stops (keeps) the old containers, then starts the same ones again, gated, at their new ports, and routes back to them', async () => {
    const h = deployHarness();
    await withLiveRelease(h, stopFirst());
    const before = containers(h);
    const addresses = (await h.routing.servers('web', 'a')).map((s) => s.address);
    failNewPassOld(h);
    const id = await h.queue();
    await expect(h.run(id)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'failed', error: { code: 'release_unhealthy' }, previousStopped: true });
    // The old release was stopped before the new one started, not removed: the same containers serve.
    expect(h.engine.stopped).toEqual(['berth-web-r1-1 10', 'berth-web-r1-2 10']);
    expect(containers(h)).toEqual(before);
    expect([...h.engine.containers.values()].every((c) => c.details.state.running)).toBe(true);
    expect(h.routing.routes.get('web')).toEqual({ domains: ['web.example.test'], slot: 'a' });
    expect(h.routing.serving('web')).toEqual(['r1-1', 'r1-2']);
    const now = (await h.routing.servers('web', 'a')).map((s) => s.address);
    expect(now).toHaveLength(2);
    expect(now.some((a) => addresses.includes(a))).toBe(false);
    expect(await h.routing.servers('web', 'b')).toEqual([]);
    expect(await h.apps.get('web')).toMatchObject({ liveRelease: 1, liveSlot: 'a' });
    const log = h.deployments.text(id);
    expect(log).toEqual(expect.arrayContaining(['[berth] starting release 1 again (slot a)', '[berth] the previous release 1 was restored and serves again']));
    expect(log).not.toContain('[berth] release 1 keeps serving');
  });

  it('restores the old release when cancelled during the health check', async () => {
    const h = deployHarness();
    await withLiveRelease(h, stopFirst());
    const before = containers(h);
    h.health.hang = true;
    const start = h.engine.startContainer.bind(h.engine);
    h.engine.startContainer = async (cid) => {
      if (h.engine.containers.get(cid)?.details.name.startsWith('berth-web-r1-')) h.health.hang = false;
      await start(cid);
    };
    const id = await h.queue();
    h.deployments.afterTransition = (d, status) => status === 'health_checking' && void h.deployments.requestCancel(d);
    await h.run(id);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'cancelled' });
    expect(containers(h)).toEqual(before);
    expect(h.routing.serving('web')).toEqual(['r1-1', 'r1-2']);
    expect(h.deployments.text(id)).toContain('[berth] the previous release 1 was restored and serves again');
  });

  it('a resumed attempt restores what the dead one stopped, from the record, when it is cancelled before starting anything', async () => {
    const h = deployHarness();
    await withLiveRelease(h, stopFirst());
    const before = containers(h);
    // The first attempt dies right after stopping the old release (its new replicas never start).
    let armed = true;
    const create = h.engine.createContainer.bind(h.engine);
    h.engine.createContainer = async (spec) => {
      if (armed) {
        armed = false;
        throw new Error('worker killed');
      }
      return create(spec);
    };
    const id = await h.queue();
    await expect(h.run(id)).rejects.toThrow('worker killed');
    expect(await h.deployments.get(id)).toMatchObject({ status: 'starting', previousStopped: true });
    expect(h.routing.serving('web')).toEqual([]);
    await h.deployments.requestCancel(id);
    await h.run(id, fakeDeployJob(id, { attemptsMade: 1 }));
    expect(await h.deployments.get(id)).toMatchObject({ status: 'cancelled', attempts: 2 });
    expect(containers(h)).toEqual(before);
    expect(h.routing.serving('web')).toEqual(['r1-1', 'r1-2']);
  });

  it('says so when the old release fails its gate again, and still ends failed', async () => {
    const h = deployHarness();
    await withLiveRelease(h, stopFirst());
    const before = containers(h);
    h.health.ok = false;
    const id = await h.queue();
    await expect(h.run(id)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'failed', error: { code: 'release_unhealthy' } });
    const log = h.deployments.text(id);
    expect(log).toEqual(expect.arrayContaining([expect.stringMatching(/^\[berth\] the previous release 1 could not be restored: .*start the app or roll back$/)]));
    expect(log.some((l) => l.includes('serves again'))).toBe(false);
    // Its containers are kept, for `start` or a rollback.
    expect(containers(h)).toEqual(before);
    expect(h.routing.serving('web')).toEqual([]);
  });

  it('removes the stopped old containers once the new release is live', async () => {
    const h = deployHarness();
    await withLiveRelease(h, stopFirst());
    const id = await h.queue();
    await h.run(id);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', release: 2 });
    expect(h.engine.names()).toEqual(['berth-web-r2-1', 'berth-web-r2-2']);
    expect(h.routing.serving('web')).toEqual(['r2-1', 'r2-2']);
  });
});

describe('DeployProcessor: a stopped app', () => {
  it('serves the new release once a deployment of it succeeds, and is no longer stopped', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    // As `stop` leaves it: marked stopped, off the proxy, its replicas stopped.
    const app = (await h.apps.get('web'))!;
    await h.apps.update({ ...app, stopped: true, version: app.version + 1 }, app.version);
    await h.routing.unroute('web');
    await h.routing.drainSlot('web', 'a', 0);
    for (const id of h.engine.containers.keys()) await h.engine.stopContainer(id, 0);
    const id = await h.queue();
    await h.run(id);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', release: 2 });
    const after = await h.apps.get('web');
    expect(after).toMatchObject({ liveRelease: 2, liveSlot: 'b' });
    expect(after?.stopped).toBeUndefined();
    expect(h.routing.serving('web')).toEqual(['r2-1', 'r2-2']);
    expect(h.engine.names()).toEqual(['berth-web-r2-1', 'berth-web-r2-2']);
    expect(h.deployments.text(id)).toContain('[berth] web was stopped: it serves again from this release');
  });

  it('stays stopped when the deployment fails, and stop-first starts nothing of the old release', async () => {
    const h = deployHarness();
    await withLiveRelease(h, stopFirst());
    const app = (await h.apps.get('web'))!;
    await h.apps.update({ ...app, stopped: true, version: app.version + 1 }, app.version);
    await h.routing.unroute('web');
    for (const id of h.engine.containers.keys()) await h.engine.stopContainer(id, 0);
    h.health.ok = false;
    const id = await h.queue();
    await expect(h.run(id)).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await h.deployments.get(id))?.previousStopped).toBeUndefined();
    expect(await h.apps.get('web')).toMatchObject({ stopped: true, liveRelease: 1 });
    expect(h.routing.routes.has('web')).toBe(false);
    expect([...h.engine.containers.values()].some((c) => c.details.state.running)).toBe(false);
  });
});
