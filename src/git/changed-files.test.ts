import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitServer, type GitServer } from '../../test/support/git-server';
import { AppError } from '../errors';
import type { ChangedFilesRequest } from './git.port';
import type { HostResolver } from './host-resolver';
import { RemoteGuard } from './remote-guard';
import { SimpleGitClient } from './simple-git.client';

// The changed files of a push, read from real git servers on 127.0.0.1.

const PINNED = 'changes.berth.invalid';
/** Only the resolver knows this name: git itself could not reach it without the pin. */
const resolver: HostResolver = { resolve: (host) => Promise.resolve(host === PINNED ? ['127.0.0.1'] : []) };
const ZEROS = '0'.repeat(40);

let smart: GitServer;
let dumb: GitServer;
let tmp: string;
let n = 0;

beforeAll(async () => {
  smart = await startGitServer();
  dumb = await startGitServer({ dumb: true });
});
afterAll(async () => {
  await smart.close();
  await dumb.close();
});
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-changes-test-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** A repository with two commits: the second changes `web/app.js` and adds `docs/notes.md`. */
function twoCommits(server: GitServer): { url: string; before: string; after: string } {
  n += 1;
  const name = `changes-${n}`;
  const first = server.push(name, { 'web/app.js': 'one\n', 'README.md': 'readme\n', 'api/main.py': 'print(1)\n' });
  const second = server.push(name, { 'web/app.js': 'two\n', 'docs/notes.md': 'notes\n' }, { append: true });
  return { url: first.url, before: first.commit, after: second.commit };
}

async function request(url: string, extra: Partial<ChangedFilesRequest> & { before: string; after: string }): Promise<ChangedFilesRequest> {
  const remote = await new RemoteGuard(resolver, { allowFileUrls: false, allowedHosts: ['127.0.0.1', PINNED] }, 'repository').check(url);
  return {
    remote,
    branch: 'main',
    tempDir: tmp,
    maxBytes: 16 * 1024 * 1024,
    allowFileProtocol: false,
    timeoutMs: 20_000,
    signal: new AbortController().signal,
    ...extra,
  };
}

const changedFiles = (req: ChangedFilesRequest) => new SimpleGitClient({ sizeCheckMs: 20 }).changedFiles(req);

describe('SimpleGitClient.changedFiles', () => {
  it('lists the files that differ between before and after, and removes its repository', async () => {
    const repo = twoCommits(smart);
    const files = await changedFiles(await request(repo.url, repo));
    expect(files.sort()).toEqual(['docs/notes.md', 'web/app.js']);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('counts every file of a new branch as changed', async () => {
    const repo = twoCommits(smart);
    const files = await changedFiles(await request(repo.url, { before: ZEROS, after: repo.after }));
    expect(files.sort()).toEqual(['README.md', 'api/main.py', 'docs/notes.md', 'web/app.js']);
  });

  it('connects to the address the guard checked, not to a second lookup of the name', async () => {
    const repo = twoCommits(smart);
    const url = repo.url.replace('127.0.0.1', PINNED);
    expect((await changedFiles(await request(url, repo))).sort()).toEqual(['docs/notes.md', 'web/app.js']);
  });

  it('fetches the branch from a dumb HTTP server, which cannot serve commits by id', async () => {
    const repo = twoCommits(dumb);
    expect((await changedFiles(await request(repo.url, repo))).sort()).toEqual(['docs/notes.md', 'web/app.js']);
  });

  it('rejects a commit the remote does not have with an error of its own, and leaves nothing behind', async () => {
    const repo = twoCommits(smart);
    const missing = 'f'.repeat(40);
    const err: unknown = await changedFiles(await request(repo.url, { before: repo.before, after: missing })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('fetch_failed');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('never hands git an argument that is not a commit id', async () => {
    const repo = twoCommits(smart);
    const err: unknown = await changedFiles(await request(repo.url, { before: '--upload-pack=touch /tmp/x', after: repo.after })).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('fetch_failed');
  });

  it('stops when the fetched data passes the cap', async () => {
    n += 1;
    const big = 'x'.repeat(1024 * 1024);
    const first = smart.push(`big-${n}`, { 'a.txt': 'a\n' });
    // Random-looking content, so the pack cannot compress it away.
    const noise = Array.from({ length: 2048 }, (_, i) => `${i}:${Math.random().toString(36)}`).join('\n') + big;
    const second = smart.push(`big-${n}`, { 'b.bin': noise }, { append: true });
    const req = await request(first.url, { before: first.commit, after: second.commit, maxBytes: 4096 });
    // The smart server does not filter blobs, so the whole commit arrives.
    const err: unknown = await changedFiles(req).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('fetch_too_large');
    expect(readdirSync(tmp)).toEqual([]);
  });
});
