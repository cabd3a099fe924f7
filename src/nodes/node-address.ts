import { isIP } from 'node:net';

/** Where a node's engine answers, parsed from its `host` (`[[nodes]]`). */
export type NodeAddress = { kind: 'unix'; socketPath: string } | { kind: 'tcp'; host: string; port: number } | { kind: 'ssh'; user: string; host: string; port: number };

/** Parses `unix:///path`, `tcp://host:port` or `ssh://user@host[:port]`; throws a message naming what is wrong. */
export function parseNodeAddress(value: string): NodeAddress {
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (!socketPath.startsWith('/') || socketPath.includes('\0')) throw new Error('a unix:// host needs an absolute socket path (unix:///run/docker.sock)');
    return { kind: 'unix', socketPath };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('is not a URL');
  }
  if (url.pathname !== '' && url.pathname !== '/') throw new Error('must have no path');
  if (url.search || url.hash || url.password) throw new Error('must have no query, fragment or password');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new Error('needs a host');
  if (url.protocol === 'tcp:') {
    if (url.port === '' || url.username) throw new Error('a tcp:// host needs a port and no user (tcp://10.0.0.5:2376)');
    return { kind: 'tcp', host, port: Number(url.port) };
  }
  if (url.protocol === 'ssh:') {
    const user = decodeURIComponent(url.username);
    if (!/^[a-z_][a-z0-9_.-]{0,31}$/i.test(user)) throw new Error('an ssh:// host needs a user (ssh://berth@10.0.0.6)');
    return { kind: 'ssh', user, host, port: url.port === '' ? 22 : Number(url.port) };
  }
  throw new Error('must start with unix:///, tcp:// or ssh://');
}

/** The address as shown in the API and logs: no secrets, nothing but the scheme, user, host and port. */
export function displayAddress(address: NodeAddress): string {
  const host = (h: string) => (h.includes(':') ? `[${h}]` : h);
  if (address.kind === 'unix') return `unix://${address.socketPath}`;
  if (address.kind === 'tcp') return `tcp://${host(address.host)}:${address.port}`;
  return `ssh://${address.user}@${host(address.host)}:${address.port}`;
}

/**
 * The IPv4 address the proxy and the health checks reach a node's app replicas at: `address`
 * when set, else the host of a tcp:// or ssh:// node when it is an IPv4 address, else
 * 127.0.0.1 for a unix:// node (an engine on this host). Undefined: the node cannot run apps.
 */
export function replicaAddress(node: { host: string; address?: string }): string | undefined {
  if (node.address !== undefined) return node.address;
  const parsed = parseNodeAddress(node.host);
  if (parsed.kind === 'unix') return '127.0.0.1';
  return isIP(parsed.host) === 4 ? parsed.host : undefined;
}

/**
 * Where a node's replicas publish their port: on loopback when the proxy reaches them there (the
 * node is this host), else on every interface of the node, since the proxy comes from another
 * host (the port range is to be opened to the proxy host only; see README "Nodes").
 */
export function publishIp(address: string): string {
  return address.startsWith('127.') ? '127.0.0.1' : '0.0.0.0';
}
