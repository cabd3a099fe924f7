import { createHmac } from 'node:crypto';

/**
 * Host key checking against an OpenSSH known_hosts file. Only keys listed for the host are
 * accepted: there is no trust on first use, so a node whose key changes stops answering instead
 * of talking to whoever answers at its address.
 */
export interface KnownHost {
  /** Host patterns of the line, or one hashed entry (`|1|salt|hash`). */
  hosts: string[];
  keyType: string;
  /** The key blob, base64 as in the file. */
  key: string;
}

/** The entries of a known_hosts text; comments, markers (`@revoked`, `@cert-authority`) and bad lines are skipped. */
export function parseKnownHosts(text: string): KnownHost[] {
  const entries: KnownHost[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('@')) continue;
    const [hosts, keyType, key] = line.split(/\s+/);
    if (!hosts || !keyType || !key || !/^[A-Za-z0-9+/]+=*$/.test(key)) continue;
    entries.push({ hosts: hosts.split(','), keyType, key });
  }
  return entries;
}

/** How a host appears in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether `key` (the raw key blob the server sent) is listed for `name`. */
export function isKnownKey(entries: readonly KnownHost[], name: string, key: Buffer): boolean {
  const blob = key.toString('base64');
  return entries.some((e) => e.key === blob && e.hosts.some((pattern) => matchesHost(pattern, name)));
}

function matchesHost(pattern: string, name: string): boolean {
  if (!pattern.startsWith('|1|')) return pattern === name;
  const [, , salt, hash] = pattern.split('|');
  if (!salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}
