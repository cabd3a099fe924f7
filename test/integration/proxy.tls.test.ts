import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type BerthConfig } from '../../src/config/config.schema';
import { composeTls } from '../../src/composition';
import { createLogger } from '../../src/logging/logger';
import { HaproxyProxy, haproxyOptionsFrom } from '../../src/proxy/haproxy.proxy';
import { MemoryProxyState } from '../../src/proxy/memory-proxy-state.store';
import { SelfSigned } from '../../src/tls/self-signed';
import { withTls, type Tls } from '../../src/tls/tls.setup';
import { TestHaproxy } from '../support/haproxy';
import { freePort, startNamedBackend } from '../support/keep-alive-load';
import { httpGetHost, httpsGetHost } from '../support/host-requests';
import { TestPebble } from '../support/pebble';

/**
 * TLS on a real HAProxy 2.6 of the test's own, with certificates from a directory and ordered from
 * Debian's pebble (HTTP-01 validated against the test HAProxy's HTTP port). Needs no container engine.
 */
describe('TLS on the HAProxy edge', () => {
  let dir: string;
  let config: BerthConfig;
  let haproxy: TestHaproxy;
  let pebble: TestPebble;
  let proxy: HaproxyProxy;
  let tls: Tls;
  let app: Awaited<ReturnType<typeof startNamedBackend>>;
  let wildcardPem: string;
  const logger = createLogger({ level: 'error', format: 'json' }, 'tls-test');

  function configWith(proxyKeys: Record<string, unknown>): BerthConfig {
    return configSchema.parse({ server: { data_dir: join(dir, 'data') }, proxy: { ...config.proxy, ...proxyKeys } });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
    mkdirSync(join(dir, 'certs'));
    wildcardPem = await new SelfSigned().generate('wild.test', { names: ['*.wild.test'], days: 30 });
    writeFileSync(join(dir, 'certs', 'wild.pem'), wildcardPem);
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    pebble = await TestPebble.start(dir, httpPort);
    writeFileSync(join(dir, 'pebble-ca.pem'), pebble.serverCa);
    config = configSchema.parse({
      server: { data_dir: join(dir, 'data') },
      proxy: {
        http_port: httpPort,
        https_port: httpsPort,
        bind_address: '127.0.0.1',
        admin_socket: join(dir, 'admin.sock'),
        config_dir: join(dir, 'haproxy'),
        certs_dir: join(dir, 'certs'),
        certs_rescan_seconds: 3600,
        acme_directory_url: pebble.directoryUrl,
        acme_email: 'ops@example.test',
        acme_ca_file: join(dir, 'pebble-ca.pem'),
      },
    });
    mkdirSync(config.proxy.config_dir);
    tls = composeTls(config, logger);
    await tls.edge.prepare();
    proxy = new HaproxyProxy(withTls(haproxyOptionsFrom(config.proxy), config.proxy), new MemoryProxyState(), logger);
    await proxy.writeFiles({ backends: [], routes: [] });
    haproxy = await TestHaproxy.start(proxy.paths.config, config.proxy.admin_socket);
    app = await startNamedBackend('app1');
    await proxy.ensureBackend('app1');
    await proxy.addServer('app1', { name: 'r1', address: `127.0.0.1:${app.port}` });
    await proxy.waitUp('app1', 'r1', 5000);
    for (const host of ['app1.test', 'www.wild.test', 'app2.test', 'app3.test']) await proxy.setRoute(host, 'app1');
  });

  afterAll(async () => {
    tls?.certificates.stop();
    await haproxy?.stop();
    await pebble?.stop();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a self-signed default certificate on the HTTPS port before any certificate exists', async () => {
    await expect(httpsGetHost(config.proxy.https_port, 'app1.test', pebble.serverCa)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    expect(await httpGetHost(config.proxy.http_port, 'app1.test')).toMatchObject({ status: 200, body: 'app1' });
  });

  it('answers an ACME challenge from the runtime map for any host, and stops once it is removed', async () => {
    const token = 'tok_-0123456789abcdefABCDEF';
    const path = `/.well-known/acme-challenge/${token}`;
    await tls.edge.setChallenge(token, `${token}.thumbprint_-0123456789`);
    expect(await httpGetHost(config.proxy.http_port, 'unrouted.test', path)).toMatchObject({ status: 200, body: `${token}.thumbprint_-0123456789` });
    expect(await httpGetHost(config.proxy.http_port, 'unrouted.test', `${path}/more`)).toMatchObject({ status: 404 });
    await tls.edge.removeChallenge(token);
    expect(await httpGetHost(config.proxy.http_port, 'unrouted.test', path)).toMatchObject({ status: 404 });
    expect(await httpGetHost(config.proxy.http_port, 'app1.test', path)).toMatchObject({ status: 200, body: 'app1' });
  });

  it('serves a certificate from the directory without ordering one, and redirects its host', async () => {
    await tls.certificates.start();
    expect(await tls.certificates.ensure(['www.wild.test'])).toEqual([expect.objectContaining({ domain: 'www.wild.test', source: 'directory' })]);
    const res = await httpsGetHost(config.proxy.https_port, 'www.wild.test', wildcardPem);
    expect(res).toMatchObject({ status: 200, body: 'app1' });
    expect(res.cert?.subjectAltName).toBe('DNS:*.wild.test');
    expect(await httpGetHost(config.proxy.http_port, 'www.wild.test', '/a?b=1')).toMatchObject({
      status: 308,
      location: `https://www.wild.test:${config.proxy.https_port}/a?b=1`,
    });
    // No order went to the CA for it: nothing is stored.
    expect(await tls.edge.certificates()).toEqual(['dir_wild']);
  });

  it('picks up a certificate added to, replaced in and removed from the directory on a rescan, at runtime', async () => {
    const pem = await new SelfSigned().generate('app2.test', { names: ['app2.test'], days: 30 });
    writeFileSync(join(config.proxy.certs_dir, 'app2.pem'), pem);
    await tls.certificates.sweep();
    await tls.certificates.ensure(['app2.test']);
    expect(await httpsGetHost(config.proxy.https_port, 'app2.test', pem)).toMatchObject({ status: 200, body: 'app1' });
    expect(await httpGetHost(config.proxy.http_port, 'app2.test')).toMatchObject({ status: 308 });

    const replaced = await new SelfSigned().generate('app2.test', { names: ['app2.test'], days: 30 });
    writeFileSync(join(config.proxy.certs_dir, 'app2.pem'), replaced);
    await tls.certificates.sweep();
    expect(await httpsGetHost(config.proxy.https_port, 'app2.test', replaced)).toMatchObject({ status: 200, body: 'app1' });

    // Removed: ACME (pebble) takes the domain over on the same sweep.
    rmSync(join(config.proxy.certs_dir, 'app2.pem'));
    await tls.certificates.sweep();
    const res = await httpsGetHost(config.proxy.https_port, 'app2.test', await pebble.root());
    expect(res.cert?.issuer).toMatch(/Pebble/);
    expect((await tls.edge.certificates()).sort()).toEqual(['acme_app2.test', 'dir_wild']);
  });

  it('orders a certificate over ACME (HTTP-01 answered by HAProxy), serves it by SNI and then redirects HTTP', async () => {
    const root = await pebble.root();
    expect(await httpGetHost(config.proxy.http_port, 'app1.test')).toMatchObject({ status: 200, body: 'app1' });

    const [result] = await tls.certificates.ensure(['app1.test']);

    expect(result).toMatchObject({ domain: 'app1.test', source: 'acme' });
    expect(result?.error).toBeUndefined();
    const res = await httpsGetHost(config.proxy.https_port, 'app1.test', root);
    expect(res).toMatchObject({ status: 200, body: 'app1' });
    expect(res.cert?.subjectAltName).toBe('DNS:app1.test');
    expect(await httpGetHost(config.proxy.http_port, 'app1.test')).toMatchObject({ status: 308, location: `https://app1.test:${config.proxy.https_port}/` });
    // The challenge path is never redirected; a host without a certificate is not either.
    expect(await httpGetHost(config.proxy.http_port, 'app1.test', '/.well-known/acme-challenge/unknown-token-0123456789')).toMatchObject({ status: 200, body: 'app1' });
    expect(await httpGetHost(config.proxy.http_port, 'app3.test')).toMatchObject({ status: 200, body: 'app1' });
    const stored = join(config.server.data_dir, 'tls', 'certs', 'app1.test.pem');
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    expect(statSync(join(config.server.data_dir, 'tls', 'acme-account.key')).mode & 0o777).toBe(0o600);
  });

  it('keeps serving the certificates after HAProxy is killed and started again from its files', async () => {
    await haproxy.crash();
    haproxy = await TestHaproxy.start(proxy.paths.config, config.proxy.admin_socket);
    expect(await httpsGetHost(config.proxy.https_port, 'app1.test', await pebble.root())).toMatchObject({ status: 200, body: 'app1' });
    expect(await httpsGetHost(config.proxy.https_port, 'www.wild.test', wildcardPem)).toMatchObject({ status: 200, body: 'app1' });
    expect(await httpGetHost(config.proxy.http_port, 'app1.test')).toMatchObject({ status: 308 });
  });

  it('renews a certificate with less validity left than acme_renew_days, at runtime', async () => {
    const root = await pebble.root();
    const before = (await httpsGetHost(config.proxy.https_port, 'app1.test', root)).cert?.serialNumber;
    // A new process (as after a restart) with a renewal window longer than any certificate's life.
    const renewing = composeTls(configWith({ acme_renew_days: 100_000 }), logger);
    await renewing.certificates.start();
    renewing.certificates.stop();

    const after = await httpsGetHost(config.proxy.https_port, 'app1.test', root);
    expect(after).toMatchObject({ status: 200, body: 'app1' });
    expect(after.cert?.serialNumber).toEqual(expect.any(String));
    expect(after.cert?.serialNumber).not.toBe(before);
  });

  it('logs an order that fails, and answers without throwing', async () => {
    // A directory URL the server answers 404: a refusal, not retried inside acme-client.
    const broken = composeTls(configWith({ acme_directory_url: pebble.directoryUrl.replace(/\/dir$/, '/no-such-dir'), certs_dir: '' }), logger);
    const [result] = await broken.certificates.ensure(['app3.test']);
    expect(result).toMatchObject({ domain: 'app3.test', source: 'none', error: expect.stringContaining('app3.test') });
    expect(await httpGetHost(config.proxy.http_port, 'app3.test')).toMatchObject({ status: 200, body: 'app1' });
  });
});
