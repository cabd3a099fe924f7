import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AppError } from '../errors';
import { JobFiles } from './job-files';

describe('JobFiles', () => {
  let root: string;
  let files: JobFiles;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'job-files-'));
    files = new JobFiles(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('streams an upload to disk and refuses one past the cap, keeping nothing of it', async () => {
    const tar = Buffer.alloc(1024);
    tar.write('ustar', 257, 'latin1');
    const kept = await files.saveUpload(Readable.from([tar.subarray(0, 100), tar.subarray(100)]), 4096);
    expect(kept.bytes).toBe(1024);
    expect(await files.exists(kept.id)).toBe(true);
    const over = files.saveUpload(Readable.from([tar, tar, tar, tar, tar]), 4096);
    await expect(over).rejects.toMatchObject({ code: 'payload_too_large', field: 'body' });
    await expect(files.saveUpload(Readable.from([Buffer.from('not a tar')]), 4096)).rejects.toBeInstanceOf(AppError);
    await expect(files.saveUpload(Readable.from([tar]), 4096, 5000)).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(readdirSync(join(root, 'uploads'))).toEqual([`${kept.id}.tar`]);
  });

  it('sweeps the folders of forgotten jobs once they are old enough', async () => {
    for (const id of ['known', 'gone', 'young']) mkdirSync(files.dir(id));
    writeFileSync(files.outputTar('gone'), 'x');
    const old = new Date(Date.now() - 7200_000);
    for (const id of ['known', 'gone']) utimesSync(files.dir(id), old, old);
    expect(await files.sweep(async (id) => id === 'known', 3600_000)).toBe(1);
    expect(existsSync(files.dir('gone'))).toBe(false);
    expect(existsSync(files.dir('known'))).toBe(true);
    expect(existsSync(files.dir('young'))).toBe(true);
  });
});
