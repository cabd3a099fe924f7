import type winston from 'winston';
import { checkHost } from '../proxy/proxy-names';
import { bundleCovers, daysLeft, parseBundle, type CertificateBundle } from './certificate-bundle';
import type { CertificateIssuer } from './certificate-issuer.port';
import type { CertificateStore } from './certificate.store';
import type { CertDirSource, DirectoryCertificate } from './cert-dir.source';
import { RetryBackoff } from './retry-backoff';
import { acmeCertName } from './tls-names';
import type { TlsEdgePort } from './tls-edge.port';

export interface CertificateManagerOptions {
  /** Renew an ACME certificate when fewer days than this remain. */
  renewDays: number;
  /** How often the directory is rescanned and every known domain checked (ms); 0: never. */
  sweepMs: number;
  /** Backoff of a failed order: first retry after `retryMinMs`, doubling up to `retryMaxMs`. */
  retryMinMs: number;
  retryMaxMs: number;
  /** Domains to keep certificates for on each sweep (the apps' domains), besides those given to `ensure`. */
  domains?: () => Promise<string[]>;
  now?: () => Date;
}

export type DomainTls = { domain: string; source: 'directory' | 'acme' | 'none'; notAfter?: string; error?: string };

/**
 * Keeps a certificate served for every domain it is given: a directory certificate that covers it,
 * else one ordered over ACME (kept in the store, renewed when due). A host is redirected to HTTPS
 * once its certificate is served. Failures are logged and retried with backoff; nothing here throws
 * past `ensure` and `sweep`, so a broken CA never takes Berth down.
 */
export class CertificateManager {
  private directory: DirectoryCertificate[] = [];
  /** Domain → ACME certificate served now. */
  private readonly acme = new Map<string, CertificateBundle>();
  private readonly known = new Set<string>();
  /** What this process last set for each host; a host not in it is set whatever the proxy holds (it may be stale from before a restart). */
  private readonly redirected = new Map<string, boolean>();
  private readonly inFlight = new Map<string, Promise<DomainTls>>();
  private readonly backoff: RetryBackoff;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly edge: TlsEdgePort,
    private readonly store: CertificateStore,
    private readonly dirSource: CertDirSource | undefined,
    private readonly issuer: CertificateIssuer | undefined,
    private readonly options: CertificateManagerOptions,
    private readonly logger: winston.Logger,
  ) {
    this.backoff = new RetryBackoff(options.retryMinMs, options.retryMaxMs);
  }

  /** Loads the directory and the stored certificates, then sweeps every `sweepMs`. */
  async start(): Promise<void> {
    for (const domain of await this.store.domains()) this.remember(domain);
    await this.sweep();
    if (this.options.sweepMs > 0) this.timer = setInterval(() => void this.sweep(), this.options.sweepMs).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Makes sure each domain has a certificate served (ordering one if needed); resolves with what each has. */
  async ensure(domains: readonly string[]): Promise<DomainTls[]> {
    const hosts = [...new Set(domains.map((d) => checkHost(d)))];
    for (const host of hosts) this.known.add(host);
    return Promise.all(hosts.map((host) => this.ensureOne(host)));
  }

  /** Rescans the directory, then ensures every known domain; one sweep at a time. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    try {
      await this.loadDirectory();
      const extra = (await this.options.domains?.().catch((err: unknown) => this.warn('domain list unavailable', undefined, err))) ?? [];
      for (const domain of extra) this.remember(domain);
      await this.ensure([...this.known]);
    } catch (err) {
      this.warn('certificate sweep failed', undefined, err);
    }
  }

  private ensureOne(domain: string): Promise<DomainTls> {
    let run = this.inFlight.get(domain);
    if (!run) {
      run = this.provide(domain).finally(() => this.inFlight.delete(domain));
      this.inFlight.set(domain, run);
    }
    return run;
  }

  private async provide(domain: string): Promise<DomainTls> {
    try {
      const fromDir = this.directory.find((c) => bundleCovers(c.bundle, domain));
      if (fromDir) {
        await this.redirect(domain, true);
        return { domain, source: 'directory', notAfter: fromDir.bundle.notAfter.toISOString() };
      }
      const bundle = await this.acmeCertificate(domain);
      await this.redirect(domain, this.valid(bundle));
      return bundle ? { domain, source: 'acme', notAfter: bundle.notAfter.toISOString() } : { domain, source: 'none' };
    } catch (err) {
      const delay = this.backoff.failed(domain, this.now().getTime());
      this.warn('certificate not available', domain, err, { retry_in_seconds: Math.round(delay / 1000) });
      const served = this.acme.get(domain);
      // An expired certificate is still served (better than the default one), but HTTP is not sent to it.
      await this.redirect(domain, this.valid(served)).catch(() => undefined);
      return { domain, source: served ? 'acme' : 'none', error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** The domain's ACME certificate, served: the one loaded, else the stored one, renewed or ordered when due. */
  private async acmeCertificate(domain: string): Promise<CertificateBundle | undefined> {
    let bundle = this.acme.get(domain) ?? (await this.store.read(domain));
    const due = !bundle || daysLeft(bundle, this.now()) < this.options.renewDays;
    if (due && this.issuer && this.backoff.ready(domain, this.now().getTime())) {
      this.logger.info(bundle ? 'renewing certificate' : 'ordering certificate', { domain });
      const pem = await this.issuer.issue(domain);
      const fresh = parseBundle(pem, `certificate issued for ${domain}`);
      if (!bundleCovers(fresh, domain)) throw new Error(`the issued certificate does not cover ${domain}`);
      await this.store.save(domain, fresh.pem);
      this.backoff.succeeded(domain);
      bundle = fresh;
      this.logger.info('certificate issued', { domain, not_after: fresh.notAfter.toISOString() });
    }
    if (bundle && this.acme.get(domain) !== bundle) {
      await this.edge.putCertificate(acmeCertName(domain), bundle.pem);
      this.acme.set(domain, bundle);
    }
    return bundle;
  }

  /** Serves what the directory holds now: new and changed files loaded, removed ones taken out. */
  private async loadDirectory(): Promise<void> {
    if (!this.dirSource) return;
    const scan = await this.dirSource.scan();
    for (const problem of scan.problems) this.logger.warn('certificate file skipped', problem);
    const before = new Map(this.directory.map((c) => [c.name, c]));
    const loaded: DirectoryCertificate[] = [];
    for (const cert of scan.certificates) {
      try {
        if (before.get(cert.name)?.bundle.pem !== cert.bundle.pem) await this.edge.putCertificate(cert.name, cert.bundle.pem);
        loaded.push(cert);
        this.logger.debug('directory certificate served', { file: cert.file, names: cert.bundle.names });
      } catch (err) {
        this.warn('directory certificate not loaded', undefined, err, { file: cert.file });
      }
    }
    for (const name of before.keys()) {
      if (!loaded.some((c) => c.name === name)) await this.edge.removeCertificate(name).catch((err: unknown) => this.warn('certificate not removed', undefined, err));
    }
    this.directory = loaded;
  }

  private async redirect(domain: string, on: boolean): Promise<void> {
    if (this.redirected.get(domain) === on) return;
    await this.edge.setRedirect(domain, on);
    this.redirected.set(domain, on);
  }

  private valid(bundle: CertificateBundle | undefined): boolean {
    return bundle !== undefined && daysLeft(bundle, this.now()) > 0;
  }

  /** Adds a domain to the sweep; one that is not a DNS name (a stray file, a bad list entry) is only logged. */
  private remember(domain: string): void {
    try {
      this.known.add(checkHost(domain));
    } catch (err) {
      this.warn('not a domain, skipped', undefined, err);
    }
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private warn(message: string, domain: string | undefined, err: unknown, extra: Record<string, unknown> = {}): undefined {
    this.logger.warn(message, { ...(domain ? { domain } : {}), ...extra, error: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}
