import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directoryBytes, formatBytes, watchDirectorySize } from './checkout-size';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-size-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('directoryBytes', () => {
  it('adds up files in nested folders and counts symlinks as links, never following them', () => {
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    writeFileSync(join(dir, 'one'), Buffer.alloc(1000));
    writeFileSync(join(dir, 'a/b/two'), Buffer.alloc(2000));
    symlinkSync('/dev/zero', join(dir, 'zero'));
    return expect(directoryBytes(dir)).resolves.toBe(3000 + '/dev/zero'.length);
  });

  it('is 0 for a folder git has not made yet', async () => {
    await expect(directoryBytes(join(dir, 'missing'))).resolves.toBe(0);
  });

  it('stops counting once past the limit', async () => {
    for (let i = 0; i < 50; i += 1) writeFileSync(join(dir, `f${i}`), Buffer.alloc(100));
    const counted = await directoryBytes(dir, 250);
    expect(counted).toBeGreaterThan(250);
    expect(counted).toBeLessThan(5000);
  });
});

describe('watchDirectorySize', () => {
  it('calls back once the folder grows past the limit, while it is being written', async () => {
    const over = new Promise<void>((resolve) => {
      const watch = watchDirectorySize(
        dir,
        10_000,
        () => {
          watch.stop();
          resolve();
        },
        5,
      );
    });
    writeFileSync(join(dir, 'small'), Buffer.alloc(5_000));
    writeFileSync(join(dir, 'big'), Buffer.alloc(20_000));
    await over;
  });
});

describe('formatBytes', () => {
  it.each([
    [2 * 1024 ** 3, '2 GiB'],
    [4 * 1024 ** 2, '4 MiB'],
    [1536, '1.5 KiB'],
    [12, '12 bytes'],
  ])('%d reads %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
