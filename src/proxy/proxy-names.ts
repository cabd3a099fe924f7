import { ValidationError } from '../errors';

/**
 * The only shapes of text that may reach HAProxy's command line or configuration. The Runtime
 * API splits commands on `;` and newlines and arguments on spaces, so anything outside these
 * patterns could smuggle a second command: it is refused here, before a command is built.
 */

/** Backend and server names: HAProxy identifiers, lower case; 65 fit an app's backend (a 63-character DNS label + ".a"). */
const NAME = /^[a-z0-9][a-z0-9_.-]{0,64}$/;
/** Names the generated configuration uses for itself. */
export const RESERVED_PREFIX = 'berth_';
/** A DNS name, lower case, no trailing dot, no port. */
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);
const IPV4_PORT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/;
/** Absolute file paths written into the configuration and commands (socket, map). */
const PATH = /^\/[A-Za-z0-9_./-]{1,250}$/;

export function checkName(value: string, field: 'backend' | 'server'): string {
  if (!NAME.test(value) || value.startsWith(RESERVED_PREFIX)) {
    throw new ValidationError(
      `${field} name ${JSON.stringify(value)} must be 1-65 of a-z, 0-9, "_", "." and "-", start with a letter or digit, and not start with "${RESERVED_PREFIX}"`,
      field,
    );
  }
  return value;
}

/** Lower-cases the host (HAProxy compares lower case) and checks it. */
export function checkHost(value: string): string {
  const host = value.toLowerCase();
  if (!HOST.test(host)) throw new ValidationError(`host ${JSON.stringify(value)} is not a DNS name (no port, no wildcard)`, 'host');
  return host;
}

export function checkAddress(value: string): string {
  const match = IPV4_PORT.exec(value);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const port = Number(match?.[5]);
  if (!match || octets.some((o) => o > 255) || port < 1 || port > 65535) {
    throw new ValidationError(`address ${JSON.stringify(value)} must be IPv4:port, e.g. 127.0.0.1:8080`, 'address');
  }
  return value;
}

export function checkPath(value: string, field: string): string {
  if (!PATH.test(value) || value.includes('..')) {
    throw new ValidationError(`${field} ${JSON.stringify(value)} must be an absolute path of letters, digits, "_", ".", "-" and "/"`, field);
  }
  return value;
}
