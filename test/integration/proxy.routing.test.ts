import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/logging/logger';
import { HaproxyAppRouting } from '../../src/proxy/haproxy-app.routing';
import { HaproxyRuntime } from '../../src/proxy/haproxy-runtime';
import { HaproxyProxy, type HaproxyProxyOptions } from '../../src/proxy/haproxy.proxy';
import { ProxySupervisor } from '../../src/proxy/proxy-supervisor';
import { RedisProxyState } from '../../src/proxy/redis-proxy-state.store';
import { getVia } from '../support/host-requests';
import { KeepAliveLoad, freePort, startNamedBackend } from '../support/keep-alive-load';

/**
 * The proxy as Berth runs it: desired state in real Redis, two adapters (as the API and a deploy
 * worker would be, each with its own connection), HAProxy started and watched by the supervisor
 * (a detached daemon on the test's own port, directory and socket, stopped at the end).
 */
const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'error', format: 'json' }, 'proxy-routing-test');
const get = (port: number, host: string) => getVia(port, host, '/', 2000);

/** Polls `get` until it answers `body`, for at most 20 s; resolves with the last answer (or error). */
async function answers(port: number, host: string, body: string): Promise<string> {
  let last = '';
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(100)) {
    last = await get(port, host).then(
      (r) => `${r.status} ${r.body}`,
      (err: Error) => err.message,
    );
    if (last === `200 ${body}`) break;
  }
  return last;
}

describe('app routing over a supervised HAProxy, with the state in Redis', () => {
  const prefix = `berth-test:proxy-${process.pid}-${Date.now()}`;
  let dir: string;
  let port: number;
  let options: HaproxyProxyOptions;
  let connections: Redis[];
  let api: HaproxyProxy;
  let worker: HaproxyProxy;
  let supervisor: ProxySupervisor;
  let backends: Array<Awaited<ReturnType<typeof startNamedBackend>>>;
  const address = (i: number) => `127.0.0.1:${backends[i]!.port}`;
  const makeSupervisor = () => new ProxySupervisor(api, { configDir: options.configDir, socketPath: options.config.socketPath, watchdogMs: 300 }, logger);
  const masterPid = () => Number(readFileSync(join(options.configDir, 'haproxy.pid'), 'utf8').trim());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-routing-'));
    port = await freePort();
    options = { configDir: join(dir, 'haproxy'), config: { bindAddress: '127.0.0.1', httpPort: port, socketPath: join(dir, 'run', 'admin.sock') } };
    connections = [new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }), new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })];
    api = new HaproxyProxy(options, new RedisProxyState(connections[0]!, { prefix }), logger);
    worker = new HaproxyProxy(options, new RedisProxyState(connections[1]!, { prefix }), logger);
    supervisor = makeSupervisor();
    backends = await Promise.all(['blue', 'green', 'red'].map((name) => startNamedBackend(name)));
  });

  afterAll(async () => {
    await supervisor?.stop();
    await stopHaproxy(join(options.configDir, 'haproxy.pid'));
    await Promise.all(backends.map((b) => b.close()));
    await connections[0]?.del(`${prefix}:proxy:desired`, `${prefix}:proxy:lock`);
    connections.forEach((c) => c.disconnect());
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts HAProxy from the (empty) saved state: unknown hosts get the 404 page', async () => {
    expect(await supervisor.start()).toBe('started');
    expect(await get(port, 'nobody.example.test')).toMatchObject({ status: 404 });
    expect(await api.running()).toBe(true);
  });

  it('loses no change when two processes drive the proxy at once', async () => {
    await Promise.all([api.ensureBackend('one.a'), worker.ensureBackend('two.a')]);
    await Promise.all(
      Array.from({ length: 12 }, (_, n) => {
        const [proxy, backend] = n % 2 === 0 ? [api, 'one.a'] : [worker, 'two.a'];
        return Promise.all([proxy.setRoute(`h${n}.example.test`, backend), proxy.addServer(backend, { name: `s${n}`, address: address(n % 3) })]);
      }),
    );
    const desired = await api.desired();
    const live = await worker.state();
    const hosts = Array.from({ length: 12 }, (_, n) => `h${n}.example.test`).sort();
    expect(desired.routes.map((r) => r.host).sort()).toEqual(hosts);
    expect(live.routes.map((r) => r.host).sort()).toEqual(hosts);
    expect(desired.backends.map((b) => [b.name, b.servers.length])).toEqual([
      ['one.a', 6],
      ['two.a', 6],
    ]);
    expect(live.backends.map((b) => [b.name, b.servers.length])).toEqual([
      ['one.a', 6],
      ['two.a', 6],
    ]);
    // Clean-up through the other process's adapter: it sees everything the first one did.
    for (const r of desired.routes) await worker.removeRoute(r.host);
    for (const b of desired.backends) {
      for (const s of b.servers) await api.removeServer(b.name, s.name);
      await worker.removeBackend(b.name);
    }
    expect(await api.desired()).toEqual({ backends: [], routes: [] });
  });

  it('switches an app between its slots 4 times under keep-alive load with no failed request', async () => {
    const routing = new HaproxyAppRouting(worker, logger);
    const domains = ['web.example.test', 'www.example.test'];
    await new HaproxyAppRouting(api, logger).addApp('web');
    await routing.stage('web', 'a', [{ name: 'r1-1', address: address(0) }], 5000);
    await routing.route('web', domains, 'a');
    expect(await get(port, 'web.example.test')).toEqual({ status: 200, body: 'blue' });

    const load = new KeepAliveLoad({ port, host: 'web.example.test', connections: 20, maxMs: 60_000 });
    for (let release = 2; release <= 5; release++) {
      const slot = release % 2 === 0 ? 'b' : 'a';
      const old = slot === 'a' ? 'b' : 'a';
      const servers = [{ name: `r${release}-1`, address: address(release % 3) }];
      await routing.stage('web', slot, servers, 5000);
      await routing.stage('web', slot, servers, 5000); // a resumed deployment does it again
      await routing.route('web', domains, slot);
      await routing.route('web', domains, slot);
      expect(await routing.routedSlot('web')).toBe(slot);
      await routing.drainSlot('web', old, 5000);
      await routing.drainSlot('web', old, 5000);
    }
    const result = await load.stop();

    expect({ failures: result.failures, reasons: Object.fromEntries(result.reasons) }).toEqual({ failures: 0, reasons: {} });
    expect(result.requests).toBeGreaterThan(100);
    expect([...result.bodies.keys()].sort()).toEqual(['blue', 'green', 'red']);
    expect(await routing.status('web')).toEqual({
      source: 'live',
      hosts: [
        { host: 'web.example.test', slot: 'a' },
        { host: 'www.example.test', slot: 'a' },
      ],
      servers: [{ slot: 'a', name: 'r5-1', address: address(2), health: 'up', admin: 'ready', sessions: 0 }],
    });
  });

  it('restarts a killed HAProxy with its routes and servers (watchdog)', async () => {
    const runtime = new HaproxyRuntime(options.config.socketPath);
    const pids = [masterPid(), await runtime.workerPid()];
    pids.forEach((pid) => process.kill(pid, 'SIGKILL'));
    expect(await answers(port, 'www.example.test', 'red')).toBe('200 red');
    expect(masterPid()).not.toBe(pids[0]);
    expect((await api.state()).backends).toEqual([
      { name: 'web.a', servers: [{ name: 'r5-1', address: address(2), health: 'up', admin: 'ready', sessions: 0 }] },
      { name: 'web.b', servers: [] },
    ]);
  });

  it('leaves HAProxy serving when Berth stops, and a new Berth brings a drifted or dead HAProxy back to its state', async () => {
    await supervisor.stop();
    const before = masterPid();
    // Drift while Berth is down: the route is gone from the running HAProxy.
    await new HaproxyRuntime(options.config.socketPath).deleteMapEntry(join(options.configDir, 'hosts.map'), 'web.example.test');
    expect(await get(port, 'web.example.test')).toMatchObject({ status: 404 });
    supervisor = makeSupervisor();
    expect(await supervisor.start()).toBe('reloaded');
    expect(masterPid()).toBe(before);
    expect(await get(port, 'web.example.test')).toEqual({ status: 200, body: 'red' });

    // Dead, with its files gone, while Berth is down: started again from the state in Redis.
    await supervisor.stop();
    await stopHaproxy(join(options.configDir, 'haproxy.pid'));
    rmSync(options.configDir, { recursive: true, force: true });
    supervisor = makeSupervisor();
    expect(await supervisor.start()).toBe('started');
    expect(await answers(port, 'web.example.test', 'red')).toBe('200 red');
  });
});

/** Stops the daemon the supervisor started (SIGTERM to its master), waiting up to 5 s. */
async function stopHaproxy(pidPath: string): Promise<void> {
  let pid = 0;
  try {
    pid = Number(readFileSync(pidPath, 'utf8').trim());
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  // Gone, or a zombie: this machine's init may never reap a daemon's exit.
  const gone = () => !/^\S+ \(.*\) [^Z]/.test(readFileSafe(`/proc/${pid}/stat`));
  for (let i = 0; i < 100 && !gone(); i++) await sleep(50);
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
