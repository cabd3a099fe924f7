import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError, ValidationError } from '../errors';
import { isTarHeader } from '../images/rootfs-upload';

/** The API field an upload's body stands for in errors. */
export const UPLOAD_FIELD = 'body';
/** Uploads no job used within this time are removed (checked at each new upload). */
const UPLOAD_MAX_AGE_MS = 24 * 3600 * 1000;

/**
 * A job's files under `<root>/<jobId>/`: `source.tar` and `input.tar` (uploads, moved here when the
 * job is accepted), `app/` (the source, mounted at /app), `data/` (the input, read-only at
 * /app/data), `out/` (mounted at /app/output) and `output.tar` (what the download serves).
 * Uploads wait under `<root>/uploads/<uploadId>.tar`. The API and the workers share `root`.
 */
export class JobFiles {
  constructor(private readonly root: string) {}

  dir(jobId: string): string {
    return join(this.root, jobId);
  }

  sourceTar(jobId: string): string {
    return join(this.dir(jobId), 'source.tar');
  }

  inputTar(jobId: string): string {
    return join(this.dir(jobId), 'input.tar');
  }

  outputTar(jobId: string): string {
    return join(this.dir(jobId), 'output.tar');
  }

  work(jobId: string): { app: string; data: string; out: string } {
    const dir = this.dir(jobId);
    return { app: join(dir, 'app'), data: join(dir, 'data'), out: join(dir, 'out') };
  }

  /** Streams a tar body to disk, failing past `maxBytes` (413) or when it is not a tar (400). */
  async saveUpload(body: Readable, maxBytes: number, declaredBytes?: number): Promise<{ id: string; bytes: number }> {
    if (declaredBytes !== undefined && declaredBytes > maxBytes) {
      body.resume();
      throw tooLarge(maxBytes);
    }
    await this.sweepUploads();
    const id = randomUUID();
    const file = this.uploadPath(id);
    const cap = new UploadCap(maxBytes);
    try {
      await pipeline(body, cap, createWriteStream(file, { mode: 0o600 }));
      await checkTar(file);
      return { id, bytes: cap.bytes };
    } catch (err) {
      body.unpipe();
      body.resume();
      await rm(file, { force: true });
      if (err instanceof AppError) throw err;
      throw new ValidationError('the upload was interrupted before its end', UPLOAD_FIELD);
    }
  }

  /** Moves an upload into the job's folder; false when there is no such upload. */
  async takeUpload(uploadId: string, jobId: string, to: string): Promise<boolean> {
    await mkdir(this.dir(jobId), { recursive: true, mode: 0o700 });
    try {
      await rename(this.uploadPath(uploadId), to);
      return true;
    } catch {
      return false;
    }
  }

  async exists(uploadId: string): Promise<boolean> {
    return (await stat(this.uploadPath(uploadId)).catch(() => undefined))?.isFile() === true;
  }

  /** Empties the work folders of an attempt (what a dead attempt left too), keeping the uploads. */
  async resetWork(jobId: string): Promise<{ app: string; data: string; out: string }> {
    const work = this.work(jobId);
    for (const dir of [work.app, work.data, work.out, this.outputTar(jobId)]) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    await mkdir(work.app, { recursive: true, mode: 0o755 });
    await mkdir(work.data, { recursive: true, mode: 0o755 });
    await mkdir(work.out, { recursive: true, mode: 0o777 });
    return work;
  }

  /** Drops the work folders and uploads once the job ended; the output tar stays for the download. */
  async dropWork(jobId: string): Promise<void> {
    const work = this.work(jobId);
    for (const path of [work.app, work.data, work.out, this.sourceTar(jobId), this.inputTar(jobId)]) await rm(path, { recursive: true, force: true, maxRetries: 3 });
  }

  /**
   * Removes the folders of jobs whose record is gone (expired after `[jobs] retention_hours`, or
   * never stored), once older than `minAgeMs` (a job being accepted has its folder before its record).
   */
  async sweep(isKnown: (jobId: string) => Promise<boolean>, minAgeMs: number): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.root).catch(() => [])) {
      if (name === 'uploads') continue;
      const info = await stat(this.dir(name)).catch(() => undefined);
      if (!info || Date.now() - info.mtimeMs < minAgeMs || (await isKnown(name))) continue;
      await this.remove(name);
      removed++;
    }
    return removed;
  }

  async remove(jobId: string): Promise<void> {
    await rm(this.dir(jobId), { recursive: true, force: true, maxRetries: 3 });
  }

  private uploadPath(id: string): string {
    return join(this.root, 'uploads', `${id}.tar`);
  }

  private async sweepUploads(): Promise<void> {
    const dir = join(this.root, 'uploads');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(dir).catch(() => [])) {
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > UPLOAD_MAX_AGE_MS) await rm(join(dir, name), { force: true });
    }
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('payload_too_large', `the upload is larger than ${maxBytes} bytes ([jobs] max_upload_bytes)`, UPLOAD_FIELD);
}

class UploadCap extends Transform {
  bytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(tooLarge(this.maxBytes));
    done(null, chunk);
  }
}

async function checkTar(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    if (!isTarHeader(head.subarray(0, bytesRead))) throw new ValidationError('the body is not a tar archive (send `tar -cf` output, uncompressed)', UPLOAD_FIELD);
  } finally {
    await handle.close();
  }
}
