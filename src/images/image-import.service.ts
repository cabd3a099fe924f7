import type { Readable } from 'node:stream';
import type { Logger } from 'winston';
import type { ImageImportEngine, ImageImportSpec } from '../engine/engine.port';
import { AppError } from '../errors';
import type { CreatedImage } from '../models/image-import.model';
import { checkChanges, checkText, parseCmd, parseEnvPairs, type ImageChanges } from './image-changes';
import { assertTagUsable, checkTag, createdImage, originLabels, type ImageOwnership } from './image-origin';
import { ROOTFS_FIELD, rootfsTar } from './rootfs-upload';

export interface ImageImportOptions extends ImageOwnership {
  /** Largest upload, and largest unpacked tar, in bytes (`[images] max_import_bytes`). */
  maxImportBytes: number;
}

/** The query of `POST /api/v1/images/import`, as the client sent it. */
export interface ImportQuery {
  tag?: string;
  /** A JSON array of strings. */
  cmd?: string;
  /** `NAME=value`, repeated. */
  env?: string[];
  workdir?: string;
  expose?: string[];
  message?: string;
}

/** Root filesystems uploaded as tar or tar.gz become images, streamed through to the engine. */
export class ImageImportService {
  constructor(
    private readonly engine: ImageImportEngine,
    private readonly options: ImageImportOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * `sent.bytes`: the Content-Length, when the client sent one (over the cap nothing is read);
   * `sent.type`: the Content-Type, only to turn away a multipart form, whose parts are not a tar.
   */
  async import(upload: Readable, query: ImportQuery, sent: { bytes?: number; type?: string } = {}): Promise<CreatedImage> {
    if (sent.type !== undefined && /^multipart\//i.test(sent.type)) {
      throw new AppError('unsupported_media_type', 'send the tar or tar.gz itself as the body (curl --data-binary @rootfs.tar), not a multipart form');
    }
    const declaredBytes = sent.bytes;
    const tag = checkTag(query.tag);
    const changes = { ...checkChanges(this.changesOf(query)), labels: originLabels('import', this.options.instance) };
    const message = checkMessage(query.message);
    if (declaredBytes !== undefined && declaredBytes > this.options.maxImportBytes) {
      throw new AppError('payload_too_large', `the upload is larger than ${this.options.maxImportBytes} bytes ([images] max_import_bytes)`, ROOTFS_FIELD);
    }
    await assertTagUsable(this.engine, tag, this.options);
    const { imageId } = await this.stream(upload, { tag, changes, ...(message !== undefined ? { message } : {}) });
    const image = await this.engine.inspectImage(imageId);
    this.logger.info('image imported', { imageId, tag });
    return createdImage(image);
  }

  /** Runs the upload into the engine; whichever side fails first names the error. */
  private async stream(upload: Readable, spec: ImageImportSpec): Promise<{ imageId: string }> {
    const { tar, done } = await rootfsTar(upload, this.options.maxImportBytes);
    const abort = new AbortController();
    let uploadFailure: unknown;
    const read = done.catch((err: unknown) => {
      uploadFailure = err;
      abort.abort();
    });
    try {
      const imported = await this.engine.importImage(tar, spec, abort.signal);
      await read;
      return imported;
    } catch (err) {
      // The upload failed first (the tar stream carries its error): that is the answer. Else the
      // engine stopped reading: end the upload's pipeline so that nothing waits on it.
      const uploadFailed = tar.errored !== null || uploadFailure !== undefined;
      if (!uploadFailed) tar.destroy();
      await read;
      throw uploadFailed ? (uploadFailure ?? err) : err;
    }
  }

  private changesOf(query: ImportQuery): ImageChanges {
    return {
      ...(query.cmd !== undefined ? { cmd: parseCmd(query.cmd, 'cmd') } : {}),
      ...(query.env !== undefined ? { env: parseEnvPairs(query.env, 'env') } : {}),
      ...(query.workdir !== undefined ? { workdir: query.workdir } : {}),
      ...(query.expose !== undefined ? { expose: query.expose } : {}),
    };
  }
}

/** A commit message or import comment: one line of text. */
export function checkMessage(message: string | undefined): string | undefined {
  return message === undefined ? undefined : checkText(message, 'message');
}
