import { isIP } from 'node:net';
import type { GitUrl } from './git-url';
import type { RemotePin } from './git.port';

const DEFAULT_PORTS: Record<GitUrl['scheme'], number> = { https: 443, http: 80, ssh: 22, git: 9418, file: 0 };

/** The port git connects to for a parsed URL: the URL's own, else the scheme's default. */
export function remotePort(url: GitUrl): number {
  if (url.scheme === 'file' || !url.url.includes('://')) return DEFAULT_PORTS[url.scheme]; // scp-like: ssh on 22
  const port = new URL(url.url).port;
  return port === '' ? DEFAULT_PORTS[url.scheme] : Number.parseInt(port, 10);
}

/**
 * `-c` settings that make git's http transport connect to the checked address: curl's resolve
 * list answers the name, so TLS still checks the certificate of the name.
 */
export function pinConfig(pin: RemotePin): string[] {
  if ((pin.scheme !== 'https' && pin.scheme !== 'http') || !pin.address || isIP(pin.host) !== 0) return [];
  const address = isIP(pin.address) === 6 ? `[${pin.address}]` : pin.address;
  return [`http.curloptResolve=${pin.host}:${pin.port}:${address}`];
}

/**
 * The URL to hand git. git:// connects by itself, with no resolve list to pin: it gets the
 * address in place of the name (the daemon sees the address in its `host=` line).
 */
export function pinnedUrl(pin: RemotePin): string {
  if (pin.scheme !== 'git' || !pin.address || isIP(pin.host) !== 0) return pin.url;
  const url = new URL(pin.url);
  url.hostname = isIP(pin.address) === 6 ? `[${pin.address}]` : pin.address;
  return url.toString();
}

/** ssh options that connect to the checked address while host keys stay filed under the name. */
export function sshPinOptions(pin: RemotePin): string[] {
  if (pin.scheme !== 'ssh' || !pin.address) return [];
  return ['-o', `HostName=${pin.address}`, '-o', `HostKeyAlias=${pin.host}`];
}

/** The ssh command for `GIT_SSH_COMMAND` (run by git through a shell: every word quoted). */
export function sshCommand(pin: RemotePin, keyFile: string | undefined): string {
  const key = keyFile ? ['-i', keyFile, '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=accept-new'] : [];
  return ['ssh', '-o', 'BatchMode=yes', ...sshPinOptions(pin), ...key].map(shellQuote).join(' ');
}

/**
 * The `http.<url>.*` subsection that limits a setting to the repository itself: git applies it to
 * requests under scheme://host[:port]/path only, never to another host or path a submodule names.
 */
export function credentialScope(pin: RemotePin): string {
  const url = new URL(pin.url);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Whether two remotes are the same server, so that an ssh key may go to both. */
export function sameServer(a: RemotePin, b: RemotePin): boolean {
  return a.scheme === b.scheme && a.host === b.host && a.port === b.port;
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
