import { BlockList, isIP } from 'node:net';
import { DnsHostResolver, type HostResolver } from './host-resolver';

// One list per family: Node matches IPv4 addresses against IPv6 rules as IPv4-mapped addresses,
// so `::ffff:0:0/96` in a shared list would refuse every IPv4 address.
const blockedV4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blockedV4.addSubnet(net, prefix, 'ipv4');
const blockedV6 = new BlockList();
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
] as const)
  blockedV6.addSubnet(net, prefix, 'ipv6');

/** True for loopback, link-local, private, shared, multicast and unspecified addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6 && address.toLowerCase().startsWith('::ffff:')) {
    const v4 = address.slice(7);
    if (isIP(v4) === 4) return blockedV4.check(v4, 'ipv4');
  }
  return family === 4 ? blockedV4.check(address, 'ipv4') : blockedV6.check(address, 'ipv6');
}

/** What the host guard found: the one address git may connect to, or why it may not connect. */
export type HostCheck = { address: string } | { refusal: string };

/**
 * Resolves `host` once and checks every address: hosts that are, or resolve to, internal
 * addresses are refused (no SSRF into the operator's network) unless allowed by name. The answer
 * names the address to pin git to, so git never resolves the name again.
 */
export async function checkHost(host: string, allowedHosts: readonly string[], resolver: HostResolver): Promise<HostCheck> {
  const name = host.toLowerCase();
  let addresses: string[];
  try {
    addresses = isIP(name) ? [name] : await resolver.resolve(name);
  } catch {
    addresses = [];
  }
  const first = addresses[0];
  if (first === undefined) return { refusal: `host ${JSON.stringify(host)} cannot be resolved` };
  if (allowedHosts.some((h) => h.toLowerCase() === name)) return { address: first };
  const internal = addresses.find(isPrivateAddress);
  return internal === undefined
    ? { address: first }
    : { refusal: `host ${JSON.stringify(host)} resolves to the internal address ${internal}; add it to [git] allowed_hosts to allow it` };
}

/** Why `host` may not be cloned from (internal or unresolvable), or undefined when it may. */
export async function refuseInternalHost(host: string, allowedHosts: readonly string[], resolver: HostResolver = new DnsHostResolver()): Promise<string | undefined> {
  const check = await checkHost(host, allowedHosts, resolver);
  return 'refusal' in check ? check.refusal : undefined;
}
