import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, NotFoundError, ValidationError } from '../../src/errors';
import { createLogger } from '../../src/logging/logger';
import { HaproxyProxy, type HaproxyProxyOptions } from '../../src/proxy/haproxy.proxy';
import { MemoryProxyState } from '../../src/proxy/memory-proxy-state.store';
import type { ProxyDesiredState } from '../../src/proxy/proxy.port';
import { TestHaproxy } from '../support/haproxy';
import { KeepAliveLoad, freePort, startNamedBackend } from '../support/keep-alive-load';

/**
 * The proxy port against a real HAProxy 2.6 of the test's own (own directory, socket and port on
 * 127.0.0.1) and two tiny Node backends. Needs no container engine.
 */
const EMPTY: ProxyDesiredState = { backends: [], routes: [] };

function get(port: number, host: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { Host: host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
  });
}

describe('HAProxy behind the proxy port', () => {
  let dir: string;
  let port: number;
  let options: HaproxyProxyOptions;
  let proxy: HaproxyProxy;
  let haproxy: TestHaproxy;
  let blue: Awaited<ReturnType<typeof startNamedBackend>>;
  let green: Awaited<ReturnType<typeof startNamedBackend>>;
  const logger = createLogger({ level: 'error', format: 'json' }, 'proxy-test');
  const address = (backend: { port: number }) => `127.0.0.1:${backend.port}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-haproxy-'));
    port = await freePort();
    options = { configDir: dir, config: { bindAddress: '127.0.0.1', httpPort: port, socketPath: join(dir, 'admin.sock') } };
    proxy = new HaproxyProxy(options, new MemoryProxyState(), logger);
    await proxy.writeFiles(EMPTY);
    haproxy = await TestHaproxy.start(proxy.paths.config, options.config.socketPath);
    [blue, green] = await Promise.all([startNamedBackend('blue'), startNamedBackend('green')]);
  });

  afterAll(async () => {
    await haproxy?.stop();
    await Promise.all([blue?.close(), green?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers an unknown host with a plain 404 page', async () => {
    const res = await get(port, 'nobody.example.test');
    expect(res).toMatchObject({ status: 404, type: 'text/html; charset=utf-8' });
    expect(res.body).toContain('404 Not Found');
  });

  it('routes a host to its backend and swaps it 5 times under keep-alive load with no failed request', async () => {
    await proxy.ensureBackend('app_a');
    await proxy.addServer('app_a', { name: 's0', address: address(blue) });
    await proxy.waitUp('app_a', 's0', 5000);
    await proxy.setRoute('A.Example.Test', 'app_a');
    expect(await get(port, 'a.example.test:' + port)).toMatchObject({ status: 200, body: 'blue' });

    const load = new KeepAliveLoad({ port, host: 'a.example.test', connections: 20, maxMs: 30_000 });
    for (let i = 1; i <= 5; i++) {
      await proxy.addServer('app_a', { name: `s${i}`, address: address(i % 2 === 1 ? green : blue) });
      await proxy.waitUp('app_a', `s${i}`, 5000);
      await proxy.drainServer('app_a', `s${i - 1}`);
      expect(await proxy.waitIdle('app_a', `s${i - 1}`, 5000)).toBe(0);
      await proxy.removeServer('app_a', `s${i - 1}`);
      await sleep(200);
    }
    const result = await load.stop();

    expect({ failures: result.failures, reasons: Object.fromEntries(result.reasons) }).toEqual({ failures: 0, reasons: {} });
    expect(result.requests).toBeGreaterThan(100);
    expect([...result.bodies.keys()].sort()).toEqual(['blue', 'green']);
    expect(await proxy.servers('app_a')).toEqual([{ name: 's5', address: address(green), health: 'up', admin: 'ready', sessions: 0 }]);
    expect(await get(port, 'a.example.test')).toMatchObject({ status: 200, body: 'green' });
  });

  it('adds and removes a backend with reloads under keep-alive load, with no failed request', async () => {
    const load = new KeepAliveLoad({ port, host: 'a.example.test', connections: 20, maxMs: 30_000 });
    await proxy.ensureBackend('app_b');
    await proxy.addServer('app_b', { name: 'b1', address: address(blue) });
    await proxy.waitUp('app_b', 'b1', 5000);
    await proxy.setRoute('b.example.test', 'app_b');
    await proxy.ensureBackend('app_c');
    expect((await proxy.state()).backends.map((b) => b.name)).toEqual(['app_a', 'app_b', 'app_c']);
    await proxy.removeBackend('app_c');
    await proxy.reconcile();
    expect(await get(port, 'b.example.test')).toMatchObject({ status: 200, body: 'blue' });

    await expect(proxy.removeBackend('app_b')).rejects.toThrow(ConflictError);
    await proxy.removeRoute('b.example.test');
    await proxy.removeBackend('app_b');
    const result = await load.stop();

    expect({ failures: result.failures, reasons: Object.fromEntries(result.reasons) }).toEqual({ failures: 0, reasons: {} });
    expect([...result.bodies.keys()]).toEqual(['green']);
    expect(await get(port, 'b.example.test')).toMatchObject({ status: 404 });
    // The runtime-added server of app_a went into the configuration: five reloads kept it.
    expect(await proxy.state()).toMatchObject({ routes: [{ host: 'a.example.test', backend: 'app_a' }], backends: [{ name: 'app_a' }] });
    expect((await proxy.servers('app_a')).map((s) => s.name)).toEqual(['s5']);
  });

  it('refuses bad names, unknown backends and taken names before HAProxy sees them', async () => {
    await expect(proxy.setRoute('a.example.test;del map x', 'app_a')).rejects.toThrow(ValidationError);
    await expect(proxy.addServer('app_a', { name: 's9', address: '127.0.0.1:80 backup' })).rejects.toThrow(ValidationError);
    await expect(proxy.ensureBackend('berth_not_found')).rejects.toThrow(ValidationError);
    await expect(proxy.setRoute('c.example.test', 'app_nope')).rejects.toThrow(NotFoundError);
    await expect(proxy.addServer('app_a', { name: 's5', address: address(blue) })).rejects.toThrow(ConflictError);
    expect(await get(port, 'a.example.test')).toMatchObject({ status: 200, body: 'green' });
  });

  it('comes back after HAProxy is killed: from its files, and from Berth state alone', async () => {
    const desired = await proxy.desired();
    await haproxy.crash();
    // Restarted on the files the adapter kept in step: the runtime changes are there.
    haproxy = await TestHaproxy.start(proxy.paths.config, options.config.socketPath);
    expect(await get(port, 'a.example.test')).toMatchObject({ status: 200, body: 'green' });

    // Killed again and started from nothing (files wiped): a new adapter, as after a Berth restart, rebuilds it.
    await haproxy.crash();
    await new HaproxyProxy(options, new MemoryProxyState(), logger).writeFiles(EMPTY);
    haproxy = await TestHaproxy.start(proxy.paths.config, options.config.socketPath);
    expect(await get(port, 'a.example.test')).toMatchObject({ status: 404 });
    proxy = new HaproxyProxy(options, new MemoryProxyState(), logger);
    await proxy.reconcile(desired);
    await proxy.waitUp('app_a', 's5', 5000);
    expect(await get(port, 'a.example.test')).toMatchObject({ status: 200, body: 'green' });
    expect(await proxy.state()).toEqual({
      routes: [{ host: 'a.example.test', backend: 'app_a' }],
      backends: [{ name: 'app_a', servers: [{ name: 's5', address: address(green), health: 'up', admin: 'ready', sessions: 0 }] }],
    });
  });
});
