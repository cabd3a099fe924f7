import { constants, createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, opendir, readlink, symlink, type FileHandle } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack, type Pack } from 'tar-stream';
import { AppError } from '../errors';

/** A tar that Berth will not unpack: a path leaving the folder, or not a tar at all. */
export class BadArchiveError extends AppError {
  constructor(what: string, reason: string) {
    super('bad_archive', `the ${what} archive ${reason}`);
  }
}

/** More than the cap was written: the archive is incomplete and must be dropped. */
export class ArchiveTooLargeError extends AppError {
  constructor(what: string, maxBytes: number) {
    super('output_too_large', `the ${what} is larger than ${maxBytes} bytes ([jobs] max_output_bytes): it was not kept`);
  }
}

/**
 * Unpacks a tar into `dir` (which must exist) without ever writing through a link: directories
 * and regular files first, symbolic links last (nothing is written after them, and Berth never
 * reads through them; the container resolves them in its own file system). Hard links, devices and
 * fifos are left out. Set-id bits are dropped. A path leaving the folder fails the whole archive.
 */
export async function unpackTar(file: string, dir: string, what: string): Promise<void> {
  const links: Array<{ path: string; target: string }> = [];
  const tar = extract();
  const reading = pipeline(createReadStream(file), tar);
  try {
    for await (const entry of tar) {
      const { header } = entry;
      const path = safeEntryPath(header.name, what);
      if (path === '') {
        entry.resume();
        continue;
      }
      const target = join(dir, path);
      if (header.type === 'directory') {
        await mkdir(target, { recursive: true, mode: 0o755 });
        entry.resume();
      } else if (header.type === 'file' || header.type === 'contiguous-file') {
        await mkdir(join(target, '..'), { recursive: true, mode: 0o755 });
        await pipeline(entry, createWriteStream(target, { mode: (header.mode ?? 0o644) & 0o777, flags: 'w' }));
      } else {
        if (header.type === 'symlink' && header.linkname) links.push({ path: target, target: header.linkname });
        entry.resume();
      }
    }
    await reading;
  } catch (err) {
    reading.catch(() => undefined);
    if (err instanceof AppError) throw err;
    throw new BadArchiveError(what, `could not be unpacked: ${(err as Error).message}`);
  }
  for (const link of links) await symlink(link.target, link.path).catch(() => undefined);
}

function safeEntryPath(name: string, what: string): string {
  const normal = posix
    .normalize(name)
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
  if (name.startsWith('/') || normal === '..' || normal.startsWith('../') || name.includes('\0')) {
    throw new BadArchiveError(what, `has a path leaving its folder: ${JSON.stringify(name.slice(0, 200))}`);
  }
  return normal === '.' ? '' : normal;
}

/** Counts what passes and fails past `maxBytes`. */
class CappedCount extends Transform {
  bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onOver: () => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(this.onOver());
    done(null, chunk);
  }
}

/**
 * Packs `dir` into the tar `file`, at most `maxBytes` long (ArchiveTooLargeError past it: the
 * caller removes the file). Links are stored as links and never followed; files are opened with
 * O_NOFOLLOW and checked to be regular; fifos, sockets and devices are left out. Resolves with the size.
 */
export async function packDir(dir: string, file: string, maxBytes: number, what: string): Promise<number> {
  const tar = pack();
  const counter = new CappedCount(maxBytes, () => new ArchiveTooLargeError(what, maxBytes));
  const writing = pipeline(tar, counter, createWriteStream(file, { mode: 0o600 }));
  const walking = walk(tar, dir, '').then(
    () => tar.finalize(),
    (err: unknown) => tar.destroy(err as Error),
  );
  try {
    await writing;
  } catch (err) {
    tar.destroy();
    await walking.catch(() => undefined);
    throw err;
  }
  await walking;
  return counter.bytes;
}

async function walk(tar: Pack, root: string, rel: string): Promise<void> {
  const handle = await opendir(join(root, rel));
  for await (const dirent of handle) {
    if (tar.destroyed) return;
    const name = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
    const path = join(root, name);
    const info = await lstat(path).catch(() => undefined);
    if (!info) continue;
    const base = { name, mode: info.mode & 0o777, mtime: info.mtime };
    if (info.isDirectory()) {
      await addEntry(tar, { ...base, type: 'directory' });
      await walk(tar, root, name);
    } else if (info.isSymbolicLink()) {
      await addEntry(tar, { ...base, type: 'symlink', linkname: await readlink(path) });
    } else if (info.isFile()) {
      await addFile(tar, path, base);
    }
  }
}

function addEntry(tar: Pack, header: Parameters<Pack['entry']>[0]): Promise<void> {
  return new Promise((resolve, reject) => tar.entry(header, (err) => (err ? reject(err) : resolve())));
}

async function addFile(tar: Pack, path: string, base: { name: string; mode: number; mtime: Date }): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return; // replaced by a link or gone: not packed
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return;
    await new Promise<void>((resolve, reject) => {
      const entry = tar.entry({ ...base, type: 'file', size: info.size }, (err) => (err ? reject(err) : resolve()));
      pipeline(handle.createReadStream({ autoClose: false, start: 0, end: Math.max(0, info.size - 1) }), entry).catch(reject);
    });
  } finally {
    await handle.close();
  }
}
