import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../logging/logger';
import { parseBundle } from './certificate-bundle';
import type { CertificateIssuer } from './certificate-issuer.port';
import { CertificateManager, type CertificateManagerOptions } from './certificate.manager';
import { CertificateStore } from './certificate.store';
import { CertDirSource } from './cert-dir.source';
import { SelfSigned } from './self-signed';
import type { TlsEdgePort } from './tls-edge.port';

/** The edge port in memory. */
class MemoryEdge implements TlsEdgePort {
  readonly served = new Map<string, string>();
  readonly redirects = new Set<string>();
  async prepare(): Promise<void> {}
  async certificates(): Promise<string[]> {
    return [...this.served.keys()];
  }
  async putCertificate(name: string, pem: string): Promise<void> {
    this.served.set(name, pem);
  }
  async removeCertificate(name: string): Promise<void> {
    this.served.delete(name);
  }
  async setRedirect(host: string, on: boolean): Promise<void> {
    if (on) this.redirects.add(host);
    else this.redirects.delete(host);
  }
  async setChallenge(): Promise<void> {}
  async removeChallenge(): Promise<void> {}
}

/** Issues self-signed certificates valid `days`; fails while `failing`. */
class CountingIssuer implements CertificateIssuer {
  orders: string[] = [];
  failing = false;
  days = 90;
  async issue(domain: string): Promise<string> {
    this.orders.push(domain);
    if (this.failing) throw new Error(`CA refused ${domain}`);
    return new SelfSigned().generate(domain, { names: [domain], days: this.days });
  }
}

describe('CertificateManager', () => {
  let dir: string;
  let edge: MemoryEdge;
  let issuer: CountingIssuer;
  let clock: Date;
  const logger = createLogger({ level: 'error', format: 'json' }, 'tls-unit');

  function manager(options: Partial<CertificateManagerOptions> = {}, certsDir?: string): CertificateManager {
    const base = { renewDays: 30, sweepMs: 0, retryMinMs: 60_000, retryMaxMs: 3_600_000, now: () => clock };
    return new CertificateManager(
      edge,
      new CertificateStore(join(dir, 'data')),
      certsDir ? new CertDirSource(certsDir) : undefined,
      issuer,
      { ...base, ...options },
      logger,
    );
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-tls-unit-'));
    edge = new MemoryEdge();
    issuer = new CountingIssuer();
    clock = new Date();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('orders once for concurrent callers, serves the certificate, then redirects the host', async () => {
    const m = manager();
    const [a, b] = await Promise.all([m.ensure(['App.Test']), m.ensure(['app.test'])]);
    expect(a).toEqual([expect.objectContaining({ domain: 'app.test', source: 'acme' })]);
    expect(b).toEqual(a);
    expect(issuer.orders).toEqual(['app.test']);
    expect(parseBundle(edge.served.get('acme_app.test') ?? '', 'served').names).toEqual(['app.test']);
    expect([...edge.redirects]).toEqual(['app.test']);
    // Known and not due: no new order.
    await m.ensure(['app.test']);
    expect(issuer.orders).toEqual(['app.test']);
  });

  it('does not order a domain a directory certificate covers', async () => {
    const certs = join(dir, 'certs');
    mkdirSync(certs);
    writeFileSync(join(certs, 'wild.pem'), await new SelfSigned().generate('wild.test', { names: ['*.wild.test'] }));
    writeFileSync(join(certs, 'broken.pem'), 'not a certificate');
    const m = manager({}, certs);
    await m.start();
    expect(await m.ensure(['www.wild.test'])).toEqual([expect.objectContaining({ source: 'directory' })]);
    expect(issuer.orders).toEqual([]);
    expect([...edge.served.keys()]).toEqual(['dir_wild']);
    expect([...edge.redirects]).toEqual(['www.wild.test']);

    // The file goes away: on the next sweep the certificate is unloaded, the domain ordered instead.
    rmSync(join(certs, 'wild.pem'));
    await m.sweep();
    expect([...edge.served.keys()]).toEqual(['acme_www.wild.test']);
    expect(issuer.orders).toEqual(['www.wild.test']);
  });

  it('backs off after a failure, never throwing, and orders again once the delay has passed', async () => {
    const m = manager();
    issuer.failing = true;
    expect(await m.ensure(['app.test'])).toEqual([expect.objectContaining({ source: 'none', error: expect.stringContaining('CA refused app.test') })]);
    await m.ensure(['app.test']);
    expect(issuer.orders).toEqual(['app.test']);
    expect(edge.redirects.size).toBe(0);

    clock = new Date(clock.getTime() + 61_000);
    issuer.failing = false;
    expect(await m.ensure(['app.test'])).toEqual([expect.objectContaining({ source: 'acme' })]);
    expect(issuer.orders).toEqual(['app.test', 'app.test']);
  });

  it('renews when fewer than renewDays remain; a new manager serves the stored certificate without ordering', async () => {
    issuer.days = 20;
    await manager().ensure(['app.test']);
    const first = edge.served.get('acme_app.test');

    const restarted = manager({ renewDays: 10 });
    edge.served.clear();
    await restarted.start();
    expect(edge.served.get('acme_app.test')).toBe(first);
    expect(issuer.orders).toEqual(['app.test']);

    clock = new Date(clock.getTime() + 11 * 86_400_000);
    await restarted.sweep();
    expect(issuer.orders).toEqual(['app.test', 'app.test']);
    expect(edge.served.get('acme_app.test')).not.toBe(first);
  });

  it('keeps serving the old certificate and the redirect when a renewal fails', async () => {
    issuer.days = 5;
    const m = manager();
    await m.ensure(['app.test']);
    issuer.failing = true;
    clock = new Date(clock.getTime() + 61_000);
    const [result] = await m.ensure(['app.test']);
    expect(result).toMatchObject({ source: 'acme', error: expect.stringContaining('CA refused') });
    expect(edge.served.has('acme_app.test')).toBe(true);
    expect([...edge.redirects]).toEqual(['app.test']);
  });

  it('takes back a redirect left in the proxy from before a restart when the host has no certificate any more', async () => {
    edge.redirects.add('gone.test');
    const m = new CertificateManager(
      edge,
      new CertificateStore(join(dir, 'data')),
      undefined,
      undefined,
      { renewDays: 30, sweepMs: 0, retryMinMs: 1000, retryMaxMs: 1000 },
      logger,
    );
    expect(await m.ensure(['gone.test'])).toEqual([{ domain: 'gone.test', source: 'none' }]);
    expect(edge.redirects.size).toBe(0);
  });

  it('stops redirecting a host whose certificate expired and cannot be renewed', async () => {
    issuer.days = 5;
    const m = manager();
    await m.ensure(['app.test']);
    expect([...edge.redirects]).toEqual(['app.test']);
    issuer.failing = true;
    clock = new Date(clock.getTime() + 6 * 86_400_000);
    expect(await m.ensure(['app.test'])).toEqual([expect.objectContaining({ source: 'acme', error: expect.stringContaining('CA refused') })]);
    expect(edge.redirects.size).toBe(0);
    expect(edge.served.has('acme_app.test')).toBe(true);
  });
});
