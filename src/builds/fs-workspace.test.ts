import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsWorkspace, isInside } from './fs-workspace';

let tmp: string;
let root: string;
let outside: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-workspace-'));
  root = join(tmp, 'repo');
  outside = join(tmp, 'outside');
  mkdirSync(join(root, 'src/lib'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'top secret');
  writeFileSync(join(root, 'Dockerfile'), 'FROM alpine\n');
  writeFileSync(join(root, 'src/index.js'), 'console.log(1)');
  writeFileSync(join(root, 'src/lib/a.js'), 'a');
  writeFileSync(join(root, '.env'), 'X=1');
  writeFileSync(join(root, 'big.bin'), Buffer.alloc(1024 * 1024 + 1));
  writeFileSync(join(root, 'limit.bin'), Buffer.alloc(1024 * 1024, 'a'));
  symlinkSync('src/index.js', join(root, 'alias.js'));
  symlinkSync('src', join(root, 'srcdir'));
  symlinkSync(join(outside, 'secret'), join(root, 'escape'));
  symlinkSync('../outside/secret', join(root, 'relative-escape'));
  symlinkSync(outside, join(root, 'escape-dir'));
  symlinkSync('/etc/passwd', join(root, 'passwd'));
  symlinkSync('missing-target', join(root, 'dangling'));
  symlinkSync(root, join(tmp, 'repo-link'));
  symlinkSync('/dev/zero', join(root, 'zero'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('FsWorkspace', () => {
  it('reads regular files and nothing else', () => {
    const ws = new FsWorkspace(root);
    expect(ws.readFile('Dockerfile')).toBe('FROM alpine\n');
    expect(ws.readFile('src/lib/a.js')).toBe('a');
    expect(ws.readFile('./src/../Dockerfile')).toBe('FROM alpine\n');
    expect(ws.readFile('src')).toBeUndefined();
    expect(ws.readFile('missing')).toBeUndefined();
    expect(ws.readFile('')).toBeUndefined();
  });

  it('reads files up to 1 MiB and no larger', () => {
    const ws = new FsWorkspace(root);
    expect(ws.readFile('limit.bin')).toHaveLength(1024 * 1024);
    expect(ws.readFile('big.bin')).toBeUndefined();
  });

  it('knows which files and directories exist', () => {
    const ws = new FsWorkspace(root);
    expect(ws.exists('')).toBe(true);
    expect(ws.exists('src/lib')).toBe(true);
    expect(ws.exists('.env')).toBe(true);
    expect(ws.exists('nope')).toBe(false);
  });

  it('lists directory entries sorted, and nothing for files or missing paths', () => {
    const ws = new FsWorkspace(root);
    expect(ws.list('src')).toEqual(['index.js', 'lib']);
    expect(ws.list('')).toEqual(expect.arrayContaining(['.env', 'Dockerfile', 'src']));
    expect(ws.list('Dockerfile')).toEqual([]);
    expect(ws.list('missing')).toEqual([]);
  });

  it('follows symlinks that stay inside the repository', () => {
    const ws = new FsWorkspace(root);
    expect(ws.readFile('alias.js')).toBe('console.log(1)');
    expect(ws.list('srcdir')).toEqual(['index.js', 'lib']);
    expect(ws.readFile('srcdir/lib/a.js')).toBe('a');
  });

  it.each(['escape', 'relative-escape', 'passwd', 'escape-dir/secret', 'dangling'])('treats the symlink %s as absent', (path) => {
    const ws = new FsWorkspace(root);
    expect(ws.readFile(path)).toBeUndefined();
    expect(ws.exists(path)).toBe(false);
  });

  it('reads a FIFO and a symlink to /dev/zero as absent, without blocking on either', () => {
    const ws = new FsWorkspace(root);
    expect(ws.readFile('fifo')).toBeUndefined();
    expect(ws.readFile('zero')).toBeUndefined();
  });

  it('does not list a directory outside through a symlink', () => {
    expect(new FsWorkspace(root).list('escape-dir')).toEqual([]);
  });

  it.each(['../outside/secret', '../../etc/passwd', 'src/../../outside/secret', '/etc/passwd', '..'])('refuses the path %s that leaves the root', (path) => {
    const ws = new FsWorkspace(root);
    expect(ws.readFile(path)).toBeUndefined();
    expect(ws.exists(path)).toBe(false);
    expect(ws.list(path)).toEqual([]);
  });

  it('works on a root given through a symlink', () => {
    const ws = new FsWorkspace(join(tmp, 'repo-link'));
    expect(ws.readFile('Dockerfile')).toBe('FROM alpine\n');
    expect(ws.readFile('escape')).toBeUndefined();
  });
});

describe('isInside', () => {
  it.each([
    ['/r', '/r', true],
    ['/r', '/r/a', true],
    ['/r', '/r/a/../b', true],
    ['/r', '/r/..hidden', true],
    ['/r', '/', false],
    ['/r', '/r2', false],
    ['/r', '/r/../x', false],
    ['/r/a', '/r', false],
  ])('%s holds %s: %s', (root, path, expected) => {
    expect(isInside(root, path)).toBe(expected);
  });
});
