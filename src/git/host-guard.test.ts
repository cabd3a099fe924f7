import { checkHost, isPrivateAddress, refuseInternalHost } from './host-guard';
import type { HostResolver } from './host-resolver';

/** Answers from a table, as a DNS server under the test's control would; other names fail. */
function resolver(table: Record<string, string[]>): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolve: async (host) => {
      asked.push(host);
      const found = table[host];
      if (!found) throw new Error(`ENOTFOUND ${host}`);
      return found;
    },
  };
}

describe('isPrivateAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', '"this" network'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified v6'],
    ['::1', 'loopback v6'],
    ['0:0:0:0:0:0:0:1', 'loopback v6, long form'],
    ['fe80::1', 'link-local v6'],
    ['FE80::abcd', 'link-local v6, upper case'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['ff02::1', 'multicast v6'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::FFFF:10.1.2.3', 'IPv4-mapped private, upper case'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata address, hex form'],
    ['0:0:0:0:0:ffff:c0a8:101', 'IPv4-mapped private, long form'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
  ])('%s is internal (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['93.184.216.34'],
    ['172.15.255.255'],
    ['172.32.0.1'],
    ['100.63.255.255'],
    ['100.128.0.1'],
    ['169.253.255.255'],
    ['192.167.255.255'],
    ['11.0.0.1'],
    ['223.255.255.255'],
    ['2606:4700:4700::1111'],
    ['2001:4860:4860::8888'],
    ['::ffff:8.8.8.8'],
  ])('%s is public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('is false for anything that is not an IP address', () => {
    expect(isPrivateAddress('localhost')).toBe(false);
    expect(isPrivateAddress('')).toBe(false);
    expect(isPrivateAddress('127.0.0.1.nip.io')).toBe(false);
  });
});

describe('refuseInternalHost', () => {
  it('allows public address literals without a lookup', async () => {
    await expect(refuseInternalHost('93.184.216.34', [])).resolves.toBeUndefined();
    await expect(refuseInternalHost('2606:4700:4700::1111', [])).resolves.toBeUndefined();
  });

  it.each(['127.0.0.1', '10.0.0.5', '169.254.169.254', '::1', 'fd00::1', '::ffff:7f00:1'])('refuses the literal %s, naming the way out', async (host) => {
    const refusal = await refuseInternalHost(host, []);
    expect(refusal).toContain(`resolves to the internal address`);
    expect(refusal).toContain('[git] allowed_hosts');
  });

  it('refuses names that resolve to loopback', async () => {
    expect(await refuseInternalHost('localhost', [])).toMatch(/^host "localhost" resolves to the internal address (127\.0\.0\.1|::1);/);
  });

  it.each(['127.1', '0x7f000001', '2130706433', '0177.0.0.1'])('refuses %s, the shorthand of 127.0.0.1 that git accepts', async (host) => {
    expect(await refuseInternalHost(host, [])).toContain('internal address 127.0.0.1');
  });

  it('lets allowed_hosts exempt a host by name, whatever its case', async () => {
    await expect(refuseInternalHost('localhost', ['git.internal', 'LocalHost'])).resolves.toBeUndefined();
    await expect(refuseInternalHost('127.0.0.1', ['127.0.0.1'])).resolves.toBeUndefined();
    await expect(refuseInternalHost('GIT.INTERNAL', ['git.internal'], resolver({ 'git.internal': ['10.0.0.7'] }))).resolves.toBeUndefined();
  });

  it('does not let an allowed name exempt other hosts with the same address', async () => {
    expect(await refuseInternalHost('127.0.0.1', ['localhost'])).toContain('internal address 127.0.0.1');
  });

  it('refuses names that do not resolve, allowed or not', async () => {
    expect(await refuseInternalHost('no-such-host.invalid', [])).toBe('host "no-such-host.invalid" cannot be resolved');
    expect(await refuseInternalHost('no-such-host.invalid', ['no-such-host.invalid'])).toBe('host "no-such-host.invalid" cannot be resolved');
    expect(await refuseInternalHost('empty.test', [], { resolve: async () => [] })).toBe('host "empty.test" cannot be resolved');
  });
});

describe('checkHost', () => {
  it('resolves a name once and answers the address to pin git to', async () => {
    const dns = resolver({ 'git.example.test': ['93.184.216.34', '2606:4700:4700::1111'] });
    expect(await checkHost('Git.Example.TEST', [], dns)).toEqual({ address: '93.184.216.34' });
    expect(dns.asked).toEqual(['git.example.test']);
  });

  it('refuses a name with any internal address, even when the first is public', async () => {
    const dns = resolver({ 'rebind.example.test': ['93.184.216.34', '127.0.0.1'] });
    expect(await checkHost('rebind.example.test', [], dns)).toEqual({ refusal: expect.stringContaining('internal address 127.0.0.1') });
  });

  it('pins an allowed name to its internal address', async () => {
    const dns = resolver({ 'pinned.berth.invalid': ['127.0.0.1'] });
    expect(await checkHost('pinned.berth.invalid', ['pinned.berth.invalid'], dns)).toEqual({ address: '127.0.0.1' });
  });

  it('does not ask the resolver about address literals', async () => {
    const dns = resolver({});
    expect(await checkHost('93.184.216.34', [], dns)).toEqual({ address: '93.184.216.34' });
    expect(await checkHost('::1', ['::1'], dns)).toEqual({ address: '::1' });
    expect(dns.asked).toEqual([]);
  });
});
