import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type winston from 'winston';
import type { BerthConfig } from '../config/config.schema';
import { ValidationError } from '../errors';
import type { HaproxyProxyOptions } from '../proxy/haproxy.proxy';
import { HaproxyRuntime } from '../proxy/haproxy-runtime';
import { AcmeIssuer } from './acme.issuer';
import { CertDirSource } from './cert-dir.source';
import { CertificateManager } from './certificate.manager';
import { CertificateStore } from './certificate.store';
import { HaproxyTlsEdge, haproxyTlsPaths } from './haproxy-tls.edge';
import { SelfSigned } from './self-signed';

/** Longest wait between retries of a failed order. */
const RETRY_MAX_MS = 6 * 3600 * 1000;

export interface Tls {
  edge: HaproxyTlsEdge;
  certificates: CertificateManager;
}

/** The proxy adapter's options with the HTTPS frontend added (its files are those `Tls.edge` keeps). */
export function withTls(options: HaproxyProxyOptions, proxy: BerthConfig['proxy']): HaproxyProxyOptions {
  return { ...options, config: { ...options.config, tls: haproxyTlsPaths(proxy.config_dir, proxy.https_port) } };
}

/**
 * TLS of the edge from the configuration. Call `edge.prepare()` before HAProxy reads its
 * configuration (it names the default certificate and the lists), then `certificates.start()`.
 * `domains` lists the apps' domains for the periodic sweep.
 */
export function createTls(config: BerthConfig, logger: winston.Logger, domains?: () => Promise<string[]>): Tls {
  const proxy = config.proxy;
  const runtime = new HaproxyRuntime(proxy.admin_socket);
  const edge = new HaproxyTlsEdge(runtime, haproxyTlsPaths(proxy.config_dir, proxy.https_port), new SelfSigned());
  const store = new CertificateStore(join(config.server.data_dir, 'tls'));
  const issuer = proxy.acme_directory_url
    ? new AcmeIssuer(
        {
          directoryUrl: proxy.acme_directory_url,
          email: proxy.acme_email,
          ...(proxy.acme_ca_file ? { extraCa: readCaFile(proxy.acme_ca_file) } : {}),
        },
        edge,
        store,
      )
    : undefined;
  const certificates = new CertificateManager(
    edge,
    store,
    proxy.certs_dir ? new CertDirSource(proxy.certs_dir) : undefined,
    issuer,
    {
      renewDays: proxy.acme_renew_days,
      sweepMs: proxy.certs_rescan_seconds * 1000,
      retryMinMs: proxy.acme_retry_seconds * 1000,
      retryMaxMs: RETRY_MAX_MS,
      ...(domains ? { domains } : {}),
    },
    logger.child({ component: 'tls' }),
  );
  return { edge, certificates };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(`[proxy] acme_ca_file ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'acme_ca_file');
  }
}
