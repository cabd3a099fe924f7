import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitServer, type GitServer } from '../../test/support/git-server';
import type { CloneRequest, GitCredentials } from './git.port';
import type { HostResolver } from './host-resolver';
import { DnsHostResolver } from './host-resolver';
import { RemoteGuard } from './remote-guard';
import { SimpleGitClient } from './simple-git.client';

// The adapter against real git and real servers on 127.0.0.1: what git sends where, and what it
// refuses to touch.

const PINNED = 'pinned.berth.invalid';
/** The system resolver, except for one name it cannot know, answered with 127.0.0.1. */
const resolver: HostResolver = {
  resolve: (host) => (host === PINNED ? Promise.resolve(['127.0.0.1']) : new DnsHostResolver().resolve(host)),
};

let a: GitServer;
let b: GitServer;
let tmp: string;
let n = 0;

beforeAll(async () => {
  a = await startGitServer();
  b = await startGitServer();
});
afterAll(async () => {
  await a.close();
  await b.close();
});
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-git-client-'));
  a.requests.length = 0;
  b.requests.length = 0;
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const port = (server: GitServer) => new URL(server.baseUrl).port;

/** A clone request as the processor makes it: the URL checked by the guard first. */
async function request(url: string, extra: Partial<CloneRequest> & { allowedHosts?: string[] } = {}): Promise<CloneRequest> {
  const { allowedHosts = ['127.0.0.1', PINNED], ...rest } = extra;
  const options = { allowFileUrls: false, allowedHosts };
  n += 1;
  return {
    url,
    remote: await new RemoteGuard(resolver, options, 'repository').check(url),
    remotes: new RemoteGuard(resolver, options),
    maxBytes: 64 * 1024 * 1024,
    dir: join(tmp, `checkout-${n}`),
    submodules: false,
    allowFileProtocol: false,
    timeoutMs: 20_000,
    signal: new AbortController().signal,
    ...rest,
  };
}

const clone = (req: CloneRequest) => new SimpleGitClient({ sizeCheckMs: 20 }).clone(req);
const authorization = (server: GitServer, path: string) => server.requests.filter((r) => r.path.startsWith(path)).map((r) => r.headers.authorization);

describe('SimpleGitClient: pinned to the address the guard checked', () => {
  it('clones a name the system cannot resolve, through the address the resolver answered', async () => {
    const { commit } = a.push('pinned', { 'hello.txt': 'pinned\n' });
    const req = await request(`http://${PINNED}:${port(a)}/pinned.git`);
    expect(req.remote.address).toBe('127.0.0.1');
    await expect(clone(req)).resolves.toEqual({ commit });
    expect(readFileSync(join(req.dir, 'hello.txt'), 'utf8')).toBe('pinned\n');
    expect(a.requests[0]?.headers.host).toBe(`${PINNED}:${port(a)}`);
  });

  it('clones by commit through the pinned address too', async () => {
    const { commit } = a.push('pinned-commit', { 'x.txt': 'x\n' });
    const req = await request(`http://${PINNED}:${port(a)}/pinned-commit.git`, { commit });
    await expect(clone(req)).resolves.toEqual({ commit });
  });

  it('clones git:// from the address, resolving relative submodule URLs against the name', async () => {
    const daemon = await startGitServer({ daemon: true });
    try {
      const lib = daemon.push('daemon-lib', { 'lib.txt': 'lib\n' });
      const { commit } = daemon.push('daemon-app', { 'a.txt': 'app\n' }, { submodules: { lib: { url: '../daemon-lib.git', commit: lib.commit } } });
      const url = `git://${PINNED}:${new URL(daemon.gitUrl ?? '').port}/daemon-app.git`;
      const req = await request(url, { submodules: true });
      await expect(clone(req)).resolves.toEqual({ commit });
      expect(readFileSync(join(req.dir, 'lib/lib.txt'), 'utf8')).toBe('lib\n');
      expect(execFileSync('git', ['-C', req.dir, 'remote', 'get-url', 'origin'], { encoding: 'utf8' }).trim()).toBe(url);
    } finally {
      await daemon.close();
    }
  });

  it('would fail without the pin: git alone cannot resolve that name', async () => {
    a.push('unpinned', { 'x.txt': 'x\n' });
    const req = await request(`http://${PINNED}:${port(a)}/unpinned.git`);
    const { address: _dropped, ...unpinned } = req.remote;
    await expect(clone({ ...req, remote: unpinned })).rejects.toMatchObject({ code: 'clone_failed', message: expect.stringContaining('Could not resolve host') });
    expect(a.requests).toEqual([]);
  });
});

describe('SimpleGitClient: submodules', () => {
  it('refuses a submodule on a refused host before any request reaches it', async () => {
    const lib = b.push('refused-lib', { 'lib.txt': 'lib\n' });
    b.requests.length = 0;
    a.push('refused-app', { 'app.txt': 'app\n' }, { submodules: { lib: { url: `http://localhost:${port(b)}/refused-lib.git`, commit: lib.commit } } });
    const req = await request(`${a.baseUrl}/refused-app.git`, { submodules: true });
    await expect(clone(req)).rejects.toMatchObject({
      code: 'host_refused',
      message: expect.stringMatching(/submodule URL "http:\/\/localhost:\d+\/refused-lib.git": host "localhost" resolves to the internal address/),
    });
    expect(b.requests).toEqual([]);
  });

  it('refuses a submodule URL with a scheme that is not allowed', async () => {
    a.push('file-sub', { 'app.txt': 'app\n' }, { submodules: { lib: { url: 'file:///etc/lib.git', commit: 'a'.repeat(40) } } });
    const req = await request(`${a.baseUrl}/file-sub.git`, { submodules: true });
    await expect(clone(req)).rejects.toMatchObject({ code: 'submodule_refused', message: expect.stringContaining('file:// URLs are disabled') });
  });

  it('refuses a .gitmodules that is not a small regular file, reading none of it', async () => {
    // git itself refuses to check out a symlinked .gitmodules; an oversized one reaches this check.
    a.push('big-gitmodules', { '.gitmodules': `# ${'x'.repeat(70 * 1024)}\n` });
    const req = await request(`${a.baseUrl}/big-gitmodules.git`, { submodules: true });
    await expect(clone(req)).rejects.toMatchObject({ code: 'submodule_refused', message: '.gitmodules must be a regular file of at most 64 KiB' });
  });

  it('sends the token to the repository only, not to the host or path a submodule names', async () => {
    const other = b.push('scoped-lib', { 'lib.txt': 'lib on b\n' });
    const near = a.push('scoped-near', { 'near.txt': 'near\n' });
    a.push(
      'scoped-app',
      { 'app.txt': 'app\n' },
      {
        submodules: {
          far: { url: `http://127.0.0.1:${port(b)}/scoped-lib.git`, commit: other.commit },
          near: { url: '../scoped-near.git', commit: near.commit },
        },
      },
    );
    a.requests.length = 0;
    b.requests.length = 0;
    const credentials: GitCredentials = { username: 'ci', token: 'ghp_scoped-token' };
    const expected = `Basic ${Buffer.from('ci:ghp_scoped-token').toString('base64')}`;
    const req = await request(`${a.baseUrl}/scoped-app.git`, { submodules: true, credentials });
    await clone(req);
    expect(readFileSync(join(req.dir, 'far/lib.txt'), 'utf8')).toBe('lib on b\n');
    expect(readFileSync(join(req.dir, 'near/near.txt'), 'utf8')).toBe('near\n');
    const own = authorization(a, '/scoped-app.git');
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((h) => h === expected)).toBe(true);
    expect(b.requests.length).toBeGreaterThan(0);
    expect(b.requests.map((r) => r.headers.authorization)).toEqual(b.requests.map(() => undefined));
    expect(authorization(a, '/scoped-near.git')).toEqual(a.requests.filter((r) => r.path.startsWith('/scoped-near.git')).map(() => undefined));
  });

  it('fetches nested submodules, checking each level, relative URLs resolved against their parent', async () => {
    const leaf = b.push('nest-leaf', { 'leaf.txt': 'leaf\n' });
    const mid = b.push('nest-mid', { 'mid.txt': 'mid\n' }, { submodules: { leaf: { url: '../nest-leaf.git', commit: leaf.commit } } });
    a.push('nest-app', { 'app.txt': 'app\n' }, { submodules: { mid: { url: `http://${PINNED}:${port(b)}/nest-mid.git`, commit: mid.commit } } });
    const req = await request(`${a.baseUrl}/nest-app.git`, { submodules: true });
    await clone(req);
    expect(readFileSync(join(req.dir, 'mid/leaf/leaf.txt'), 'utf8')).toBe('leaf\n');
    // The nested URL was resolved against the name, then pinned: it reached b through the resolver.
    expect(b.requests.some((r) => r.path.startsWith('/nest-leaf.git') && r.headers.host === `${PINNED}:${port(b)}`)).toBe(true);
  });

  it('refuses a nested submodule on a refused host', async () => {
    const leaf = b.push('deep-leaf', { 'leaf.txt': 'leaf\n' });
    const mid = a.push('deep-mid', { 'mid.txt': 'mid\n' }, { submodules: { leaf: { url: `http://localhost:${port(b)}/deep-leaf.git`, commit: leaf.commit } } });
    a.push('deep-app', { 'app.txt': 'app\n' }, { submodules: { mid: { url: '../deep-mid.git', commit: mid.commit } } });
    b.requests.length = 0;
    const req = await request(`${a.baseUrl}/deep-app.git`, { submodules: true });
    await expect(clone(req)).rejects.toMatchObject({ code: 'host_refused' });
    expect(b.requests).toEqual([]);
  });

  it('leaves submodules alone unless asked', async () => {
    const lib = b.push('ignored-lib', { 'lib.txt': 'lib\n' });
    a.push('ignored-app', { 'app.txt': 'app\n' }, { submodules: { lib: { url: `http://localhost:${port(b)}/ignored-lib.git`, commit: lib.commit } } });
    b.requests.length = 0;
    const req = await request(`${a.baseUrl}/ignored-app.git`);
    await clone(req);
    expect(existsSync(join(req.dir, 'lib/lib.txt'))).toBe(false);
    expect(b.requests).toEqual([]);
  });
});

describe('SimpleGitClient: checkout size', () => {
  const zeros = '\0'.repeat(16 * 1024 * 1024); // compresses to a few KiB

  it('stops a checkout that expands past the cap', async () => {
    a.push('bomb', { 'big.bin': zeros, 'small.txt': 'x\n' });
    const req = await request(`${a.baseUrl}/bomb.git`, { maxBytes: 4 * 1024 * 1024 });
    await expect(clone(req)).rejects.toMatchObject({ code: 'checkout_too_large', message: 'the checkout is larger than 4 MiB ([build] max_checkout_bytes)' });
  });

  it('refuses before writing any file: the tree is measured before it is checked out', async () => {
    const { commit } = a.push('bomb-commit', { 'big.bin': zeros, 'small.txt': 'x\n' });
    for (const extra of [{}, { commit }]) {
      const req = await request(`${a.baseUrl}/bomb-commit.git`, { maxBytes: 4 * 1024 * 1024, ...extra });
      await expect(clone(req)).rejects.toMatchObject({ code: 'checkout_too_large' });
      expect(existsSync(join(req.dir, 'small.txt'))).toBe(false);
      expect(existsSync(join(req.dir, 'big.bin'))).toBe(false);
    }
  });

  it('counts submodules against the cap', async () => {
    const lib = a.push('bomb-lib', { 'big.bin': zeros });
    a.push('bomb-app', { 'app.txt': 'x\n' }, { submodules: { lib: { url: '../bomb-lib.git', commit: lib.commit } } });
    const req = await request(`${a.baseUrl}/bomb-app.git`, { maxBytes: 4 * 1024 * 1024, submodules: true });
    await expect(clone(req)).rejects.toMatchObject({ code: 'checkout_too_large' });
  });

  it('clones what fits, on its branch', async () => {
    const { commit } = a.push('fits', { 'small.txt': 'x\n' }, { branch: 'release' });
    const req = await request(`${a.baseUrl}/fits.git`, { maxBytes: 4 * 1024 * 1024, branch: 'release' });
    await expect(clone(req)).resolves.toEqual({ commit });
    expect(readFileSync(join(req.dir, 'small.txt'), 'utf8')).toBe('x\n');
    expect(readFileSync(join(req.dir, '.git/HEAD'), 'utf8')).toBe('ref: refs/heads/release\n');
  });
});

describe('SimpleGitClient: dumb HTTP servers', () => {
  let dumb: GitServer;
  beforeAll(async () => {
    dumb = await startGitServer({ dumb: true });
  });
  afterAll(async () => dumb.close());

  it('falls back to a full clone when the server cannot serve a shallow one', async () => {
    dumb.push('static', { 'a.txt': 'one\n' });
    const { commit } = dumb.push('static', { 'a.txt': 'two\n' }, { append: true });
    const req = await request(`${dumb.baseUrl}/static.git`, { branch: 'main' });
    await expect(clone(req)).resolves.toEqual({ commit });
    expect(readFileSync(join(req.dir, 'a.txt'), 'utf8')).toBe('two\n');
  });

  it('fetches a commit and submodules from a dumb server', async () => {
    const lib = dumb.push('static-lib', { 'lib.txt': 'lib\n' });
    const { commit } = dumb.push('static-app', { 'a.txt': 'app\n' }, { submodules: { lib: { url: '../static-lib.git', commit: lib.commit } } });
    const req = await request(`${dumb.baseUrl}/static-app.git`, { commit, branch: 'main', submodules: true });
    await expect(clone(req)).resolves.toEqual({ commit });
    expect(readFileSync(join(req.dir, 'lib/lib.txt'), 'utf8')).toBe('lib\n');
  });
});
