import { ConflictError, ValidationError } from '../errors';
import { createLogger } from '../logging/logger';
import { HaproxyAppRouting } from './haproxy-app.routing';
import { MemoryProxyState } from './memory-proxy-state.store';
import { StateOnlyProxy } from './state-only.proxy';

// The app routing over the recording proxy ([proxy] enabled = false) and the in-memory state:
// every step's effect on the desired state, without an HAProxy.
const logger = createLogger({ level: 'error', format: 'json' }, 'routing-test');

function setUp() {
  const store = new MemoryProxyState();
  const proxy = new StateOnlyProxy(store, logger);
  return { store, proxy, routing: new HaproxyAppRouting(proxy, logger, { live: false }) };
}
const r1 = [
  { name: 'r1-1', address: '127.0.0.1:30001' },
  { name: 'r1-2', address: '127.0.0.1:30002' },
];

describe('HaproxyAppRouting', () => {
  it('adds the two slot backends once, for a name of 63 characters too', async () => {
    const { store, routing } = setUp();
    const long = 'a'.repeat(63);
    await routing.addApp('web');
    await routing.addApp('web');
    await routing.addApp(long);
    expect((await store.read()).backends.map((b) => b.name)).toEqual(['web.a', 'web.b', `${long}.a`, `${long}.b`]);
    await expect(routing.addApp('Web_1')).rejects.toThrow(ValidationError);
  });

  it('stages, routes, switches and drains; each step may run twice', async () => {
    const { store, routing } = setUp();
    await routing.addApp('web');
    await routing.stage('web', 'a', r1, 1000);
    await routing.stage('web', 'a', r1, 1000);
    await routing.route('web', ['Web.Example.Test', 'www.example.test'], 'a');
    await routing.route('web', ['web.example.test', 'www.example.test'], 'a');
    expect(await routing.routedSlot('web')).toBe('a');
    expect(await routing.servers('web', 'a')).toEqual(r1);

    const r2 = [{ name: 'r2-1', address: '127.0.0.1:30003' }];
    await routing.stage('web', 'b', r2, 1000);
    await routing.route('web', ['web.example.test'], 'b');
    expect((await store.read()).routes).toEqual([{ host: 'web.example.test', backend: 'web.b' }]);
    expect(await routing.routedSlot('web')).toBe('b');
    await routing.drainSlot('web', 'a', 1000);
    await routing.drainSlot('web', 'a', 1000);
    expect(await routing.servers('web', 'a')).toEqual([]);
    expect(await routing.servers('web', 'b')).toEqual(r2);
  });

  it('replaces a staged server whose name comes back with another address, and keeps one with the same', async () => {
    const { routing } = setUp();
    await routing.stage('web', 'b', r1, 1000);
    await routing.stage('web', 'b', [{ name: 'r1-1', address: '127.0.0.1:30009' }, r1[1]!], 1000);
    expect(await routing.servers('web', 'b')).toEqual([r1[1], { name: 'r1-1', address: '127.0.0.1:30009' }]);
  });

  it("refuses a domain another app serves, and leaves that app's route alone", async () => {
    const { store, routing } = setUp();
    await routing.route('shop', ['shop.example.test'], 'a');
    await expect(routing.route('web', ['web.example.test', 'shop.example.test'], 'a')).rejects.toThrow(ConflictError);
    expect((await store.read()).routes).toEqual([{ host: 'shop.example.test', backend: 'shop.a' }]);
  });

  it('reports the recorded hosts and servers when no proxy runs', async () => {
    const { routing } = setUp();
    await routing.stage('web', 'a', r1.slice(0, 1), 1000);
    await routing.route('web', ['web.example.test'], 'a');
    expect(await routing.status('web')).toEqual({
      source: 'recorded',
      hosts: [{ host: 'web.example.test', slot: 'a' }],
      servers: [{ slot: 'a', name: 'r1-1', address: '127.0.0.1:30001', health: 'unknown', admin: 'ready', sessions: 0 }],
    });
    expect(await routing.status('nothing')).toEqual({ source: 'recorded', hosts: [], servers: [] });
  });

  it('unroutes, then removes everything of the app and nothing of another', async () => {
    const { store, routing } = setUp();
    await routing.stage('web', 'a', r1, 1000);
    await routing.route('web', ['web.example.test'], 'a');
    await routing.route('shop', ['shop.example.test'], 'b');
    await routing.unroute('web');
    expect(await routing.routedSlot('web')).toBeUndefined();
    await routing.removeApp('web');
    await routing.removeApp('web');
    expect(await store.read()).toEqual({
      backends: [
        { name: 'shop.a', servers: [] },
        { name: 'shop.b', servers: [] },
      ],
      routes: [{ host: 'shop.example.test', backend: 'shop.b' }],
    });
  });
});
