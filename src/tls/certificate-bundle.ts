import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { ValidationError } from '../errors';

/**
 * Pure reading of a PEM bundle (certificate, its chain, its private key) as HAProxy takes it.
 * The key is checked against the certificate and never leaves this module in an error message.
 */

export interface CertificateBundle {
  /** Certificates first, then the key, no empty line, no final newline: ready for `set ssl cert`. */
  pem: string;
  /** DNS names of the leaf certificate (subjectAltName, else its CN), lower case; may hold `*.` wildcards. */
  names: string[];
  notBefore: Date;
  notAfter: Date;
  serial: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END \1-----/g;
const KEY_TYPES = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);

export function parseBundle(text: string, source: string): CertificateBundle {
  const blocks = [...text.matchAll(BLOCK)].map((m) => ({ type: m[1] ?? '', pem: m[0].replace(/\r/g, '') }));
  const certs = blocks.filter((b) => b.type === 'CERTIFICATE');
  const keys = blocks.filter((b) => KEY_TYPES.has(b.type));
  if (certs.length === 0) throw new ValidationError(`${source} holds no PEM certificate`, 'certificate');
  if (keys.length !== 1) throw new ValidationError(`${source} must hold exactly one PEM private key (it holds ${keys.length})`, 'certificate');
  let leaf: X509Certificate;
  let key: KeyObject;
  try {
    leaf = new X509Certificate(certs[0]?.pem ?? '');
    key = createPrivateKey(keys[0]?.pem ?? '');
  } catch {
    throw new ValidationError(`${source} holds a certificate or key that cannot be read`, 'certificate');
  }
  if (!leaf.checkPrivateKey(key)) throw new ValidationError(`${source}: the private key does not belong to the first certificate`, 'certificate');
  return {
    pem: [...certs, ...keys].map((b) => b.pem.trim()).join('\n'),
    names: certificateNames(leaf),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    serial: leaf.serialNumber,
  };
}

function certificateNames(cert: X509Certificate): string[] {
  const alt = (cert.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4).toLowerCase());
  if (alt.length > 0) return [...new Set(alt)];
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

/** Whether a certificate name covers `domain`: exact, or `*.parent` for one more label (RFC 6125). */
export function nameCovers(name: string, domain: string): boolean {
  const host = domain.toLowerCase();
  if (name === host) return true;
  if (!name.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === name.slice(2);
}

export function bundleCovers(bundle: Pick<CertificateBundle, 'names'>, domain: string): boolean {
  return bundle.names.some((name) => nameCovers(name, domain));
}

/** Whole days left before `notAfter` (negative once expired). */
export function daysLeft(bundle: Pick<CertificateBundle, 'notAfter'>, now: Date): number {
  return (bundle.notAfter.getTime() - now.getTime()) / 86_400_000;
}
