import winston from 'winston';
import { AppError, UnavailableError } from '../errors';
import { NodeRegistry, type NodeEntry } from './node.registry';
import type { NodeFacts } from './node.state';

const FACTS: NodeFacts = {
  hostname: 'h1',
  os: 'Debian',
  kernel: '6.1',
  engine: 'docker',
  engineVersion: '20.10',
  cpus: 2,
  memoryBytes: 1024,
  containers: 3,
  images: 4,
};

/** A node whose probe answers while `up` is true; `services.calls` counts the calls let through. */
function fakeNode(name: string) {
  const control = { up: true, probes: 0, calls: 0 };
  const entry: NodeEntry<{ work: () => Promise<string> }> = {
    name,
    runtime: 'docker',
    address: `unix:///run/${name}.sock`,
    probeTimeoutMs: 50,
    probe: async () => {
      control.probes += 1;
      if (!control.up) throw new Error('connect ENOENT');
      return FACTS;
    },
    services: {
      work: async () => {
        control.calls += 1;
        if (!control.up) throw new UnavailableError('engine', 'connect ENOENT');
        return `done on ${name}`;
      },
    },
  };
  return { entry, control };
}

const silent = winston.createLogger({ silent: true });
const now = () => new Date('2026-01-02T03:04:05Z');

describe('NodeRegistry', () => {
  let registry: NodeRegistry<{ work: () => Promise<string> }> | undefined;
  afterEach(() => registry?.stop());

  it('lists each node with its facts and last seen time after the first probes', async () => {
    const a = fakeNode('a');
    const b = fakeNode('b');
    b.control.up = false;
    registry = new NodeRegistry([a.entry, b.entry], { upIntervalMs: 60_000, downIntervalMs: 60_000, firstRoundWaitMs: 1000, now }, silent);
    registry.start();
    const [stateA, stateB] = await registry.list();
    expect(stateA).toMatchObject({ name: 'a', reachable: true, facts: FACTS, lastSeenAt: now() });
    expect(stateB).toMatchObject({ name: 'b', reachable: false, error: { code: 'node_unavailable', message: 'connect ENOENT' } });
  });

  it('answers a down node with node_unavailable naming it, without calling it', async () => {
    const a = fakeNode('a');
    a.control.up = false;
    registry = new NodeRegistry([a.entry], { upIntervalMs: 60_000, downIntervalMs: 60_000, firstRoundWaitMs: 1000 }, silent);
    registry.start();
    await registry.list();
    await expect(registry.use('a', (s) => s.work())).rejects.toMatchObject({ code: 'node_unavailable', details: { node: 'a' } });
    expect(a.control.calls).toBe(0);
    expect(a.control.probes).toBe(1);
  });

  it('marks a node down when its engine stops answering a call, and re-probes it in the background', async () => {
    const a = fakeNode('a');
    registry = new NodeRegistry([a.entry], { upIntervalMs: 60_000, downIntervalMs: 10, firstRoundWaitMs: 1000 }, silent);
    registry.start();
    await registry.list();
    a.control.up = false;
    await expect(registry.use('a', (s) => s.work())).rejects.toMatchObject({ code: 'node_unavailable' });
    await expect(registry.use('a', (s) => s.work())).rejects.toMatchObject({ code: 'node_unavailable' });
    expect(a.control.calls).toBe(1);
    a.control.up = true;
    while ((await registry.get('a')).reachable !== true) await new Promise((r) => setTimeout(r, 5));
    await expect(registry.use('a', (s) => s.work())).resolves.toBe('done on a');
  });

  it('counts a probe that does not answer within its deadline as down', async () => {
    const a = fakeNode('a');
    a.entry.probe = () => new Promise(() => undefined);
    registry = new NodeRegistry([a.entry], { upIntervalMs: 60_000, downIntervalMs: 60_000, firstRoundWaitMs: 1000 }, silent);
    registry.start();
    expect((await registry.get('a')).error?.message).toBe('no answer within 50 ms');
  });

  it('passes other errors through and keeps the node up', async () => {
    const a = fakeNode('a');
    registry = new NodeRegistry([a.entry], { upIntervalMs: 60_000, downIntervalMs: 60_000, firstRoundWaitMs: 1000 }, silent);
    registry.start();
    await expect(registry.use('a', () => Promise.reject(new AppError('not_found', 'no such container')))).rejects.toMatchObject({ code: 'not_found' });
    expect((await registry.get('a')).reachable).toBe(true);
  });

  it('does not hold a listing for a probe that takes long after start: the node shows unprobed', async () => {
    const a = fakeNode('a');
    a.entry.probe = () => new Promise(() => undefined);
    a.entry.probeTimeoutMs = 60_000;
    registry = new NodeRegistry([a.entry], { upIntervalMs: 60_000, downIntervalMs: 60_000, firstRoundWaitMs: 20 }, silent);
    registry.start();
    expect(await registry.list()).toEqual([{ name: 'a', runtime: 'docker', address: 'unix:///run/a.sock', reachable: undefined }]);
    await expect(registry.use('a', (s) => s.work())).resolves.toBe('done on a');
  });

  it('answers an unknown node 404', async () => {
    registry = new NodeRegistry([fakeNode('a').entry], { upIntervalMs: 60_000, downIntervalMs: 60_000, firstRoundWaitMs: 1000 }, silent);
    await expect(registry.get('zz')).rejects.toMatchObject({ code: 'not_found', message: 'node "zz" not found' });
    await expect(registry.use('zz', async () => 1)).rejects.toMatchObject({ code: 'not_found' });
  });
});
