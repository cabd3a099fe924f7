import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { AppError, ValidationError } from '../errors';

/** The API field the uploaded body stands for in error messages. */
export const ROOTFS_FIELD = 'rootfs';
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
/** A tar header block is 512 bytes; POSIX and GNU tars say `ustar` at offset 257. */
const TAR_BLOCK = 512;

/** Fails the stream once more than `maxBytes` went through: nothing bigger reaches the engine. */
export class ByteCap extends Transform {
  private seen = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly what: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.maxBytes) {
      done(new AppError('payload_too_large', `the ${this.what} is larger than ${this.maxBytes} bytes ([images] max_import_bytes)`, ROOTFS_FIELD));
      return;
    }
    done(null, chunk);
  }
}

/** Holds back the first block until it is known to be a tar header, then passes everything on. */
export class TarHeadCheck extends Transform {
  private head: Buffer[] = [];
  private headBytes = 0;
  private checked = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.checked) return done(null, chunk);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < TAR_BLOCK) return done();
    return this.release(done);
  }

  override _flush(done: TransformCallback): void {
    if (this.checked) return done();
    this.release(done);
  }

  private release(done: TransformCallback): void {
    const head = Buffer.concat(this.head);
    this.head = [];
    this.checked = true;
    if (!isTarHeader(head)) return done(new ValidationError('the body is not a tar archive, nor a gzip-compressed one', ROOTFS_FIELD));
    done(null, head);
  }
}

/** True when `head` starts with a POSIX (`ustar\0`) or GNU (`ustar `) tar header block. */
export function isTarHeader(head: Buffer): boolean {
  return head.length >= TAR_BLOCK && head.subarray(257, 262).toString('latin1') === 'ustar';
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head.subarray(0, 2).equals(GZIP_MAGIC);
}

/**
 * The upload as a plain tar stream for the engine, and a promise that settles when the upload has
 * been read through. gzip is recognised by its magic bytes (never by the Content-Type) and
 * unpacked here, so that the cap also holds for what it unpacks to. On failure the upload is
 * detached and drained, so that the answer can still be sent, and the promise rejects with a
 * Berth error (413 over the cap, 400 for anything that is not a tar).
 */
export async function rootfsTar(upload: Readable, maxBytes: number): Promise<{ tar: Readable; done: Promise<void> }> {
  const first = new ByteCap(maxBytes, 'upload');
  upload.pipe(first);
  // `pipe` passes on no error: a client that goes away half-way must still end the import.
  const interrupted = (): void => {
    if (!upload.readableEnded) first.destroy(new ValidationError('the upload was interrupted before its end', ROOTFS_FIELD));
  };
  upload.once('error', interrupted).once('close', interrupted);
  let head: Buffer;
  try {
    head = await readHead(first, 2);
  } catch (err) {
    upload.unpipe(first);
    upload.resume();
    throw err;
  }
  const tar = new PassThrough();
  const stages = isGzip(head) ? [createGunzip(), new ByteCap(maxBytes, 'unpacked archive')] : [];
  const done = pipeline([first, ...stages, new TarHeadCheck(), tar]).catch((err: unknown) => {
    upload.unpipe(first);
    upload.resume();
    throw uploadError(err);
  });
  return { tar, done };
}

/** Reads at least `n` bytes (or to the end) and puts them back: the stream then starts over. */
function readHead(stream: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: unknown): void => {
      stream.off('readable', onReadable).off('end', onEnd).off('error', finish);
      if (err) return reject(uploadError(err));
      const head = Buffer.concat(chunks);
      if (head.length > 0) stream.unshift(head);
      resolve(head);
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (size < n && (chunk = stream.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size >= n) finish();
    };
    const onEnd = (): void => finish(new ValidationError('the body is empty or too short to be a tar archive', ROOTFS_FIELD));
    stream.on('readable', onReadable).on('end', onEnd).on('error', finish);
  });
}

function uploadError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('Z_')) return new ValidationError('the body starts as gzip but is not valid gzip data', ROOTFS_FIELD);
  return new ValidationError('the upload was interrupted before its end', ROOTFS_FIELD);
}
