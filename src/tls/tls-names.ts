import { ValidationError } from '../errors';

/**
 * The shapes of TLS text that may reach HAProxy's Runtime API or a file name. The Runtime API
 * splits on spaces, `;` and newlines: anything else is refused before a command is built.
 */

/** RFC 8555 tokens are base64url; key authorizations are `token.thumbprint`. */
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
const KEY_AUTHORIZATION = /^[A-Za-z0-9_-]{16,128}\.[A-Za-z0-9_-]{16,128}$/;
/** Certificate names: they become file names under the proxy's directory. */
const CERT_NAME = /^[a-z0-9][a-z0-9_.-]{0,120}$/;

export function checkToken(value: string): string {
  if (!TOKEN.test(value)) throw new ValidationError('ACME token must be 16-128 base64url characters', 'token');
  return value;
}

export function checkKeyAuthorization(value: string): string {
  if (!KEY_AUTHORIZATION.test(value)) throw new ValidationError('ACME key authorization must be token.thumbprint in base64url', 'key_authorization');
  return value;
}

export function checkCertName(value: string): string {
  if (!CERT_NAME.test(value) || value.includes('..'))
    throw new ValidationError(`certificate name ${JSON.stringify(value)} must be 1-121 of a-z, 0-9, "_", "." and "-"`, 'certificate');
  return value;
}

/** Name of an ACME certificate in the proxy: one per domain. */
export function acmeCertName(domain: string): string {
  return checkCertName(`acme_${domain.toLowerCase()}`);
}

/** Name of a certificate from the certificates directory, from its file name (`wild.example.pem` → `dir_wild.example`). */
export function dirCertName(fileName: string): string {
  return checkCertName(`dir_${fileName.replace(/\.pem$/i, '').toLowerCase()}`);
}
