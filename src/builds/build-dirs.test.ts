import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BuildDirs } from './build-dirs';

let tmp: string;
let root: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-dirs-'));
  root = join(tmp, 'builds', 'nested');
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Makes `path` look `ageMs` old. */
function age(path: string, ageMs: number): void {
  const then = new Date(Date.now() - ageMs);
  utimesSync(path, then, then);
}

describe('BuildDirs.create', () => {
  it('makes the root and a private directory per attempt named after the build', async () => {
    const dirs = new BuildDirs(root);
    const dir = await dirs.create('build-1.2');
    expect(dir.startsWith(`${root}/`)).toBe(true);
    expect(basename(dir)).toMatch(/^build-1\.2\.[A-Za-z0-9]{6}$/);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(root).mode & 0o777).toBe(0o700);
  });

  it('gives every attempt of the same build its own empty directory', async () => {
    const dirs = new BuildDirs(root);
    const first = await dirs.create('b');
    writeFileSync(join(first, 'file'), 'x');
    const second = await dirs.create('b');
    expect(second).not.toBe(first);
    expect(readdirSync(second)).toEqual([]);
  });
});

describe('BuildDirs.remove', () => {
  it('removes the directory with everything in it, and the key file beside it', async () => {
    const dirs = new BuildDirs(root);
    const dir = await dirs.create('b');
    mkdirSync(join(dir, 'src/.git/objects'), { recursive: true });
    writeFileSync(join(dir, 'src/.git/objects/pack'), 'x', { mode: 0o444 });
    writeFileSync(`${dir}.key`, 'key', { mode: 0o600 });
    await dirs.remove(dir);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(`${dir}.key`)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });

  it('does not mind a directory that is already gone', async () => {
    const dirs = new BuildDirs(root);
    await expect(dirs.remove(join(root, 'never-made.abc123'))).resolves.toBeUndefined();
  });
});

describe('BuildDirs.sweep', () => {
  const HOUR = 3_600_000;

  it('finds nothing when the root does not exist', async () => {
    const isActive = jest.fn(async () => false);
    await expect(new BuildDirs(join(tmp, 'missing')).sweep(isActive, HOUR)).resolves.toEqual([]);
    expect(isActive).not.toHaveBeenCalled();
  });

  it('removes the directories of builds that are not running and keeps the others', async () => {
    const dirs = new BuildDirs(root);
    const running = await dirs.create('running.v1');
    const ended = await dirs.create('ended');
    const asked: string[] = [];
    const removed = await dirs.sweep(async (id) => {
      asked.push(id);
      return id === 'running.v1';
    }, HOUR);
    expect(removed).toEqual([basename(ended)]);
    expect(asked.sort()).toEqual(['ended', 'running.v1']);
    expect(existsSync(running)).toBe(true);
    expect(existsSync(ended)).toBe(false);
  });

  it('removes directories older than the limit even when their build claims to run', async () => {
    const dirs = new BuildDirs(root);
    const old = await dirs.create('stuck');
    const fresh = await dirs.create('fresh');
    age(old, 2 * HOUR);
    const removed = await dirs.sweep(async () => true, HOUR);
    expect(removed).toEqual([basename(old)]);
    expect(existsSync(fresh)).toBe(true);
  });

  it('keeps the key file of a running build and removes that of an ended one', async () => {
    const dirs = new BuildDirs(root);
    const running = await dirs.create('running');
    const ended = await dirs.create('ended');
    writeFileSync(`${running}.key`, 'k');
    writeFileSync(`${ended}.key`, 'k');
    const asked = new Set<string>();
    await dirs.sweep(async (id) => {
      asked.add(id);
      return id === 'running';
    }, HOUR);
    expect([...asked].sort()).toEqual(['ended', 'running']);
    expect(existsSync(`${running}.key`)).toBe(true);
    expect(existsSync(`${ended}.key`)).toBe(false);
    expect(existsSync(ended)).toBe(false);
  });
});
