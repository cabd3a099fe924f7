import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { ArchiveTooLargeError, BadArchiveError, packDir, unpackTar } from './job-archive';

/** A tar written entry by entry, so that hostile names and types can be made. */
async function rawTar(entries: Array<{ name: string; type?: 'file' | 'symlink' | 'directory' | 'link'; body?: string; linkname?: string }>): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of tar) chunks.push(c as Buffer);
  })();
  for (const e of entries) tar.entry({ name: e.name, type: e.type ?? 'file', ...(e.linkname ? { linkname: e.linkname } : {}) }, e.body ?? '');
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}

describe('job archives', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'job-archive-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const unpack = async (tar: Buffer) => {
    writeFileSync(join(dir, 'in.tar'), tar);
    mkdirSync(join(dir, 'out'));
    await unpackTar(join(dir, 'in.tar'), join(dir, 'out'), 'source');
    return join(dir, 'out');
  };

  it('unpacks files and folders, and links only after every file (never written through)', async () => {
    const out = await unpack(
      await rawTar([
        { name: './a/b.txt', body: 'b' },
        { name: 'link', type: 'symlink', linkname: '/etc' },
        { name: 'link/passwd-copy', body: 'x' },
      ]),
    );
    expect(readFileSync(join(out, 'a/b.txt'), 'utf8')).toBe('b');
    // The file under `link/` went to a real folder: the link then could not be made over it.
    expect(lstatSync(join(out, 'link')).isDirectory()).toBe(true);
    expect(existsSync('/etc/passwd-copy')).toBe(false);
  });

  it('refuses a path that leaves the folder, and leaves out hard links', async () => {
    await expect(unpack(await rawTar([{ name: '../evil', body: 'x' }]))).rejects.toBeInstanceOf(BadArchiveError);
    rmSync(join(dir, 'out'), { recursive: true });
    const out = await unpack(
      await rawTar([
        { name: 'h', type: 'link', linkname: '/etc/passwd' },
        { name: 'l', type: 'symlink', linkname: '/etc/passwd' },
      ]),
    );
    expect(existsSync(join(out, 'h'))).toBe(false);
    expect(readlinkSync(join(out, 'l'))).toBe('/etc/passwd');
  });

  it('packs links as links and fails past the cap', async () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'sub', 'f.txt'), 'hello');
    symlinkSync('/etc/hostname', join(src, 'host'));
    execFileSync('mkfifo', [join(src, 'fifo')]);
    const bytes = await packDir(src, join(dir, 'o.tar'), 1 << 20, 'output');
    expect(bytes).toBe(readFileSync(join(dir, 'o.tar')).length);
    const listed = execFileSync('tar', ['-tvf', join(dir, 'o.tar')]).toString();
    expect(listed).toMatch(/host -> \/etc\/hostname/);
    expect(listed).not.toMatch(/fifo/);
    writeFileSync(join(src, 'big'), Buffer.alloc(100_000));
    await expect(packDir(src, join(dir, 'o2.tar'), 50_000, 'output')).rejects.toBeInstanceOf(ArchiveTooLargeError);
  });
});
