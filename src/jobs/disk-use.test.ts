import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureDiskUse, watchDiskUse } from './disk-use';

describe('measureDiskUse', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-disk-use-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the blocks of files in nested folders, and a link as itself, never its target', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'berth-disk-outside-'));
    try {
      writeFileSync(join(outside, 'big'), Buffer.alloc(4 * 1024 * 1024, 1));
      mkdirSync(join(dir, 'a/b'), { recursive: true });
      writeFileSync(join(dir, 'a/b/file'), Buffer.alloc(256 * 1024, 1));
      symlinkSync(join(outside, 'big'), join(dir, 'link'));
      const use = await measureDiskUse([dir], 1000);
      expect(use.entries).toBe(4);
      expect(use.bytes).toBeGreaterThanOrEqual(256 * 1024);
      expect(use.bytes).toBeLessThan(1024 * 1024);
      expect(use.truncated).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('stops at maxEntries and says so', async () => {
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, `f${i}`), 'x');
    const use = await measureDiskUse([dir], 5);
    expect(use).toMatchObject({ truncated: true });
    expect(use.entries).toBeLessThanOrEqual(6);
  });

  it('skips a folder that is gone', async () => {
    await expect(measureDiskUse([join(dir, 'missing')], 10)).resolves.toEqual({ bytes: 0, entries: 0, truncated: false });
  });
});

describe('watchDiskUse', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-disk-watch-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const exceeded = (maxBytes: number, maxEntries: number) =>
    new Promise<string>((resolve) => {
      void watchDiskUse({ dirs: [dir], maxBytes, maxEntries, intervalMs: 10, onExceeded: resolve }).then(() => {
        // Written after the baseline: only this counts against the caps.
        writeFileSync(join(dir, 'grown'), Buffer.alloc(512 * 1024, 1));
      });
    });

  it('leaves what the folders held at the start out, and reports growth past maxBytes', async () => {
    writeFileSync(join(dir, 'source'), Buffer.alloc(2 * 1024 * 1024, 1));
    await expect(exceeded(256 * 1024, 100)).resolves.toMatch(/more than 262144 bytes/);
  });

  it('reports more new entries than maxEntries', async () => {
    for (let i = 0; i < 10; i++) writeFileSync(join(dir, `source${i}`), 'x');
    const message = new Promise<string>((resolve) => {
      void watchDiskUse({ dirs: [dir], maxBytes: 1 << 30, maxEntries: 3, intervalMs: 10, onExceeded: resolve }).then(() => {
        for (let i = 0; i < 5; i++) writeFileSync(join(dir, `new${i}`), 'x');
      });
    });
    await expect(message).resolves.toMatch(/more than 3 files and folders/);
  });

  it('calls nothing once stopped, and within the caps', async () => {
    const calls: string[] = [];
    const stop = await watchDiskUse({ dirs: [dir], maxBytes: 1 << 20, maxEntries: 100, intervalMs: 5, onExceeded: (m) => calls.push(m) });
    writeFileSync(join(dir, 'small'), 'x');
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toEqual([]);
    stop();
    writeFileSync(join(dir, 'big'), Buffer.alloc(2 * 1024 * 1024, 1));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toEqual([]);
  });
});
