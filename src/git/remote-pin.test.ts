import { parseGitUrl, type GitUrl } from './git-url';
import type { RemotePin } from './git.port';
import { credentialScope, pinConfig, pinnedUrl, remotePort, sameServer, sshCommand, sshPinOptions } from './remote-pin';

function url(input: string): GitUrl {
  const parsed = parseGitUrl(input, true);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

const pin = (over: Partial<RemotePin>): RemotePin => ({
  url: 'https://git.example.test/team/app.git',
  scheme: 'https',
  host: 'git.example.test',
  port: 443,
  address: '93.184.216.34',
  ...over,
});

describe('remotePort', () => {
  it.each([
    ['https://git.example.test/r', 443],
    ['http://git.example.test/r', 80],
    ['http://git.example.test:8080/r', 8080],
    ['ssh://git@git.example.test/r', 22],
    ['ssh://git@git.example.test:2222/r', 2222],
    ['git@git.example.test:team/r.git', 22],
    ['git://git.example.test/r', 9418],
    ['file:///srv/r.git', 0],
  ])('%s connects to port %d', (input, port) => {
    expect(remotePort(url(input))).toBe(port);
  });
});

describe('pinConfig', () => {
  it("answers the host name with the checked address in curl's resolve list", () => {
    expect(pinConfig(pin({}))).toEqual(['http.curloptResolve=git.example.test:443:93.184.216.34']);
    expect(pinConfig(pin({ scheme: 'http', url: 'http://pinned.berth.invalid:8080/a.git', host: 'pinned.berth.invalid', port: 8080, address: '127.0.0.1' }))).toEqual([
      'http.curloptResolve=pinned.berth.invalid:8080:127.0.0.1',
    ]);
  });

  it('brackets IPv6 addresses', () => {
    expect(pinConfig(pin({ address: '2606:4700:4700::1111' }))).toEqual(['http.curloptResolve=git.example.test:443:[2606:4700:4700::1111]']);
  });

  it('has nothing to pin for address literals, ssh, git:// and file URLs', () => {
    expect(pinConfig(pin({ host: '93.184.216.34', url: 'https://93.184.216.34/r' }))).toEqual([]);
    expect(pinConfig(pin({ scheme: 'ssh', port: 22 }))).toEqual([]);
    expect(pinConfig(pin({ scheme: 'git', port: 9418 }))).toEqual([]);
    expect(pinConfig({ url: 'file:///srv/r.git', scheme: 'file', host: '', port: 0 })).toEqual([]);
  });
});

describe('pinnedUrl', () => {
  it('puts the address in git:// URLs, which git resolves by itself', () => {
    expect(pinnedUrl(pin({ scheme: 'git', url: 'git://git.example.test:9419/team/app.git', port: 9419 }))).toBe('git://93.184.216.34:9419/team/app.git');
    expect(pinnedUrl(pin({ scheme: 'git', url: 'git://git.example.test/app.git', port: 9418, address: '::1' }))).toBe('git://[::1]/app.git');
  });

  it('leaves every other URL as it is', () => {
    expect(pinnedUrl(pin({}))).toBe('https://git.example.test/team/app.git');
    expect(pinnedUrl(pin({ scheme: 'ssh', url: 'git@git.example.test:team/app.git', port: 22 }))).toBe('git@git.example.test:team/app.git');
  });
});

describe('ssh pinning', () => {
  const ssh = pin({ scheme: 'ssh', url: 'git@git.example.test:team/app.git', port: 22 });

  it('connects to the address, keeping host keys filed under the name', () => {
    expect(sshPinOptions(ssh)).toEqual(['-o', 'HostName=93.184.216.34', '-o', 'HostKeyAlias=git.example.test']);
    expect(sshCommand(ssh, undefined)).toBe('ssh -o BatchMode=yes -o HostName=93.184.216.34 -o HostKeyAlias=git.example.test');
  });

  it('adds the deploy key, quoting what the shell would split', () => {
    expect(sshCommand(ssh, "/var/lib/berth/build dir/b1's.key")).toBe(
      "ssh -o BatchMode=yes -o HostName=93.184.216.34 -o HostKeyAlias=git.example.test -i '/var/lib/berth/build dir/b1'\\''s.key' -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new",
    );
  });
});

describe('credentialScope', () => {
  it('is the repository itself: scheme, host, port and path', () => {
    expect(credentialScope(pin({}))).toBe('https://git.example.test/team/app.git');
    expect(credentialScope(pin({ url: 'http://127.0.0.1:8080/app.git' }))).toBe('http://127.0.0.1:8080/app.git');
    expect(credentialScope(pin({ url: 'https://[::1]:8443/a/b' }))).toBe('https://[::1]:8443/a/b');
  });
});

describe('sameServer', () => {
  it('compares scheme, host and port', () => {
    expect(sameServer(pin({}), pin({ url: 'https://git.example.test/other/lib.git' }))).toBe(true);
    expect(sameServer(pin({}), pin({ host: 'evil.example.test' }))).toBe(false);
    expect(sameServer(pin({}), pin({ port: 8443 }))).toBe(false);
  });
});
