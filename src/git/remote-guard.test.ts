import type { HostResolver } from './host-resolver';
import { RemoteGuard } from './remote-guard';

const dns: HostResolver = {
  resolve: async (host) => {
    const table: Record<string, string[]> = { 'git.example.test': ['93.184.216.34'], 'lan.example.test': ['10.0.0.7'] };
    const found = table[host];
    if (!found) throw new Error('ENOTFOUND');
    return found;
  },
};

describe('RemoteGuard', () => {
  const guard = new RemoteGuard(dns, { allowFileUrls: false, allowedHosts: ['lan.example.test'] });

  it('pins accepted remotes to the address it checked', async () => {
    await expect(guard.check('https://git.example.test/lib.git')).resolves.toEqual({
      url: 'https://git.example.test/lib.git',
      scheme: 'https',
      host: 'git.example.test',
      port: 443,
      address: '93.184.216.34',
    });
    await expect(guard.check('git@lan.example.test:team/lib.git')).resolves.toMatchObject({ scheme: 'ssh', port: 22, address: '10.0.0.7' });
  });

  it('drops credentials a submodule URL carries', async () => {
    await expect(guard.check('https://me:pw@git.example.test/lib.git')).resolves.toMatchObject({ url: 'https://git.example.test/lib.git' });
  });

  it.each([
    ['http://127.0.0.1:9/lib.git', /submodule URL "http:\/\/127.0.0.1:9\/lib.git": host "127.0.0.1" resolves to the internal address 127\.0\.0\.1/],
    ['https://nowhere.example.test/lib.git', /host "nowhere.example.test" cannot be resolved/],
  ])('refuses %s with host_refused', async (input, message) => {
    await expect(guard.check(input)).rejects.toMatchObject({ code: 'host_refused', message: expect.stringMatching(message) });
  });

  it.each([
    ['file:///etc/lib.git', /file:\/\/ URLs are disabled/],
    ['ext::sh -c id', /without spaces/],
    ['ssh://-oProxyCommand=id/x', /must not start with "-"/],
  ])('refuses the submodule URL %j with submodule_refused', async (input, message) => {
    await expect(guard.check(input)).rejects.toMatchObject({ code: 'submodule_refused', message: expect.stringMatching(message) });
  });

  it('accepts file URLs when allowed, with nothing to pin', async () => {
    const open = new RemoteGuard(dns, { allowFileUrls: true, allowedHosts: [] });
    await expect(open.check('file:///srv/git/lib.git')).resolves.toEqual({ url: 'file:///srv/git/lib.git', scheme: 'file', host: '', port: 0 });
  });

  it("names the build's own remote as git_repo", async () => {
    const own = new RemoteGuard(dns, { allowFileUrls: false, allowedHosts: [] }, 'repository');
    await expect(own.check('https://lan.example.test/app.git')).rejects.toMatchObject({
      code: 'host_refused',
      message: expect.stringMatching(/^host "lan.example.test" resolves/),
    });
  });
});
