import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import { isValidImageTag, withDefaultTag } from '../builds/image-reference';
import { BuildLogWriter } from '../builds/build-log.writer';
import type { ImageTransferEngine, TransferEvent } from '../engine/engine.port';
import { registryHost } from '../engine/registry-errors';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors';
import type { ServerSentEvent } from '../http/sse';
import type { ImageView } from '../models/image.model';
import type { ImageOperationLogs, ImageOperationView, ImagePullRequest, ImagePushRequest, ImageTagRequest } from '../models/image-transfer.model';
import type { ImageService } from '../services/image.service';
import { followLog } from '../services/log-follow';
import type { ImageOperationRecord, ImageOperationStore, PulledImages } from './image-operation.record';
import type { RegistryCredentials } from './registry-credentials';
import { TransferProgress } from './transfer-progress';

const DIGEST = /@sha256:[a-f0-9]{64}$/;
const PLATFORM = /^[a-z0-9_]{1,32}\/[a-z0-9_]{1,32}(?:\/[a-z0-9_]{1,32})?$/;
const OPERATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ImageTransferParts {
  engine: ImageTransferEngine;
  store: ImageOperationStore;
  pulled: PulledImages;
  credentials: RegistryCredentials;
  /** Which images this Berth may act on (built or pulled). */
  images: Pick<ImageService, 'resolve' | 'inspect'>;
  /** Milliseconds between reads of a followed log. */
  followPollMs: number;
  /** The node whose engine `engine` is (default `local`); its operations' records name it. */
  node?: string;
}

/** The operations running in this process, on any node: what cancel, close and recover look at. */
type RunningOperations = Map<string, { controller: AbortController; done: Promise<void> }>;

/** Why a running operation was stopped: a cancel, or this process stopping. */
type StopReason = 'cancelled' | 'lost';

const STOPPED: Record<StopReason, string> = {
  cancelled: 'cancelled by request; the engine transfer was stopped',
  lost: 'the API process stopped while it ran; submit it again',
};

type Work = (onEvent: (e: TransferEvent) => void, signal: AbortSignal) => Promise<{ imageId?: string; digest?: string }>;

/**
 * Pulls and pushes run in the API process as operations: a record and a progress log stored like a
 * build's (same writer, same follow), answered at once with the operation's id. Tags too.
 * As for runs, one API process serves an instance: what an API restart interrupted is not resumed,
 * `recover` at start ends it `lost`.
 */
export class ImageTransferService {
  /** Operations created before this are a previous process's. */
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly parts: ImageTransferParts,
    private readonly logger: Logger,
    private readonly running: RunningOperations = new Map(),
  ) {}

  /**
   * The same service on another node's engine. It shares the operations' store and this one's
   * running set, so an operation of any node is read, cancelled, closed and recovered through any
   * of them (ids are global); its pulls are Berth's on that node only (`pulled` of the node).
   */
  onNode(node: string, parts: Pick<ImageTransferParts, 'engine' | 'images' | 'pulled'>, logger: Logger): ImageTransferService {
    return new ImageTransferService({ ...this.parts, ...parts, node }, logger, this.running);
  }

  async pull(body: ImagePullRequest): Promise<ImageOperationView> {
    const image = checkPullReference(body.image);
    if (body.platform !== undefined && !PLATFORM.test(body.platform)) {
      throw new ValidationError(`${JSON.stringify(body.platform)} is not a platform (os/arch[/variant], e.g. linux/arm64)`, 'platform');
    }
    const registry = registryHost(image);
    const options = { ...this.parts.credentials.forHost(registry), ...(body.platform ? { platform: body.platform } : {}) };
    return this.start({ kind: 'pull', image, registry, ...(body.platform ? { platform: body.platform } : {}) }, async (onEvent, signal) => {
      const { imageId } = await this.parts.engine.pullImage(image, options, onEvent, signal);
      await this.parts.pulled.add(imageId, image);
      return { imageId, ...(await this.pulledDigest(image, imageId)) };
    });
  }

  async push(ref: string, body: ImagePushRequest): Promise<ImageOperationView> {
    const source = await this.parts.images.resolve(ref);
    if (body.target !== undefined && !isValidImageTag(body.target)) {
      throw new ValidationError(`${JSON.stringify(body.target)} is not a tag to push (registry/name:tag)`, 'target');
    }
    const target = body.target !== undefined ? withDefaultTag(body.target) : pushableTag(ref, source.tags);
    const registry = registryHost(target);
    if (body.target !== undefined) await this.parts.engine.tagImage(source.id, target);
    const options = this.parts.credentials.forHost(registry);
    return this.start({ kind: 'push', image: target, registry }, async (onEvent, signal) => {
      const { digest } = await this.parts.engine.pushImage(target, options, onEvent, signal);
      return { imageId: source.id, ...(digest ? { digest } : {}) };
    });
  }

  /** Tags an image of this Berth; answers the image as inspect does. */
  async tag(ref: string, body: ImageTagRequest): Promise<ImageView> {
    const source = await this.parts.images.resolve(ref);
    if (typeof body.tag !== 'string' || !isValidImageTag(body.tag)) {
      throw new ValidationError(`${JSON.stringify(body.tag)} is not a tag (registry/name:tag, lower case)`, 'tag');
    }
    const tag = withDefaultTag(body.tag);
    await this.parts.engine.tagImage(source.id, tag);
    this.logger.info('image tagged', { imageId: source.id, tag });
    return this.parts.images.inspect(tag);
  }

  async operation(id: string): Promise<ImageOperationView> {
    return view(await this.find(id));
  }

  async logs(id: string): Promise<ImageOperationLogs> {
    const record = await this.find(id);
    const lines = await this.parts.store.readLog(id, 0);
    return { operation_id: id, status: record.status, lines, truncated: record.logTruncated };
  }

  async follow(id: string, fromSeq: number, signal: AbortSignal): Promise<AsyncIterable<ServerSentEvent>> {
    await this.find(id);
    return followLog(this.parts.store, id, (r) => r.status !== 'running', { fromSeq, signal, pollMs: this.parts.followPollMs });
  }

  /**
   * Stops a running pull or push: the engine request is aborted (the engine then drops its
   * registry transfer) and the operation ends `cancelled`. An ended one is a conflict.
   */
  async cancel(id: string): Promise<ImageOperationView> {
    const record = await this.find(id);
    if (record.status !== 'running') throw new ConflictError('state_conflict', `image operation ${id} already ended (${record.status})`);
    const active = this.running.get(id);
    // Not this process's: the process that ran it is gone (one API per instance).
    if (!active) return view(await this.markLost(record));
    active.controller.abort('cancelled' satisfies StopReason);
    await active.done;
    return view(await this.find(id));
  }

  /**
   * At start: operations a previous API process left running can no longer end by themselves;
   * they end `lost`, saying they can be submitted again.
   */
  async recover(): Promise<void> {
    for (const id of await this.parts.store.unfinished()) {
      const record = await this.parts.store.get(id);
      if (record && (this.running.has(id) || record.createdAt >= this.startedAt)) continue;
      if (record?.status === 'running') await this.markLost(record);
      // An expired record only leaves the set (`finish` changes no ended one).
      else await this.parts.store.finish(id, { status: 'lost', finishedAt: new Date().toISOString() });
    }
  }

  /** Stops the running operations (they end `lost`) and waits for their records. */
  async close(): Promise<void> {
    for (const { controller } of this.running.values()) controller.abort('lost' satisfies StopReason);
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async markLost(record: ImageOperationRecord): Promise<ImageOperationRecord> {
    const error = { code: 'lost', message: `the API restarted while the ${record.kind} ran; it can be submitted again` };
    const end = { status: 'lost' as const, finishedAt: new Date().toISOString(), error };
    await this.parts.store.appendLog(record.id, [{ time: end.finishedAt, text: `lost: ${error.message}` }]);
    await this.parts.store.finish(record.id, end);
    this.logger.warn(`image ${record.kind} lost`, { operationId: record.id, image: record.image });
    return { ...record, ...end };
  }

  private async find(id: string): Promise<ImageOperationRecord> {
    const record = OPERATION_ID.test(id) ? await this.parts.store.get(id) : undefined;
    if (!record) throw new NotFoundError('image operation', id);
    return record;
  }

  private async start(what: Pick<ImageOperationRecord, 'kind' | 'image' | 'registry' | 'platform'>, work: Work): Promise<ImageOperationView> {
    const record: ImageOperationRecord = {
      id: randomUUID(),
      ...what,
      node: this.parts.node ?? 'local',
      status: 'running',
      createdAt: new Date().toISOString(),
      logTruncated: false,
    };
    await this.parts.store.create(record);
    const controller = new AbortController();
    const done = this.run(record, work, controller.signal).finally(() => this.running.delete(record.id));
    this.running.set(record.id, { controller, done });
    return view(record);
  }

  /** Runs the work with its progress into the log; ends the record either way, never throws. */
  private async run(record: ImageOperationRecord, work: Work, signal: AbortSignal): Promise<void> {
    const log = this.logger.child({ operationId: record.id, kind: record.kind });
    const writer = new BuildLogWriter(this.parts.store, record.id, (err) => log.warn('progress log write failed', { error: String(err) }));
    const line = (text: string) => writer.line(this.parts.credentials.redact(text));
    const progress = new TransferProgress(line);
    line(`${record.kind} ${record.image} (registry ${record.registry})`);
    try {
      const result = await work((e) => progress.event(e), signal);
      line(`done: ${record.image}${result.digest ? ` ${result.digest}` : ''}${result.imageId ? ` image ${result.imageId}` : ''}`);
      await writer.flush();
      await this.parts.store.finish(record.id, { status: 'succeeded', finishedAt: new Date().toISOString(), ...result });
      log.info(`image ${record.kind} succeeded`, { image: record.image });
    } catch (err) {
      const stopped = signal.aborted ? (signal.reason as StopReason) : undefined;
      const error = stopped ? { code: stopped, message: STOPPED[stopped] } : this.failure(err);
      const status = stopped ?? 'failed';
      line(`${status}: ${error.message}`);
      await writer.flush();
      await this.parts.store
        .finish(record.id, { status, finishedAt: new Date().toISOString(), error })
        .catch((e: unknown) => log.warn('operation not ended', { error: String(e) }));
      log.warn(`image ${record.kind} ${status}`, { image: record.image, code: error.code });
    }
  }

  private failure(err: unknown): NonNullable<ImageOperationRecord['error']> {
    const redact = (text: string) => this.parts.credentials.redact(text);
    if (err instanceof AppError) return { code: err.code, message: redact(err.message), ...(err.details ? { details: err.details } : {}) };
    return { code: 'engine_error', message: redact(err instanceof Error ? err.message : String(err)) };
  }

  /** A pinned pull's digest is the pin; otherwise the pulled image's repo digest for that repository. */
  private async pulledDigest(ref: string, imageId: string): Promise<{ digest?: string }> {
    const pinned = DIGEST.exec(ref)?.[0];
    if (pinned) return { digest: pinned.slice(1) };
    const details = await this.parts.images.inspect(imageId).catch(() => undefined);
    const repo = ref.slice(0, ref.lastIndexOf(':'));
    const match = details?.repo_digests?.find((d) => d.split('@')[0] === repo) ?? details?.repo_digests?.[0];
    return match ? { digest: match.split('@')[1]! } : {};
  }
}

/** A reference to pull: a tag (`app` meaning `app:latest`) or a digest reference; never an id. */
function checkPullReference(image: unknown): string {
  const text = typeof image === 'string' ? image : '';
  const named = text.replace(DIGEST, '');
  if (!isValidImageTag(named) || /^[a-f0-9]{64}$/.test(named)) {
    throw new ValidationError(`${JSON.stringify(image)} is not an image reference to pull (registry/name:tag or name@sha256:<digest>)`, 'image');
  }
  return DIGEST.test(text) ? text : withDefaultTag(text);
}

/** The tag a push without a target sends: `ref` itself when it is a tag of the image. */
function pushableTag(ref: string, tags: string[]): string {
  const tag = withDefaultTag(ref);
  if (isValidImageTag(ref) && tags.includes(tag)) return tag;
  throw new ValidationError(`${JSON.stringify(ref)} is not a tag of the image: name the reference to push as \`target\``, 'target');
}

function view(r: ImageOperationRecord): ImageOperationView {
  return {
    id: r.id,
    kind: r.kind,
    image: r.image,
    registry: r.registry,
    node: r.node ?? 'local',
    ...(r.platform ? { platform: r.platform } : {}),
    status: r.status,
    created_at: r.createdAt,
    ...(r.finishedAt ? { finished_at: r.finishedAt } : {}),
    ...(r.imageId ? { image_id: r.imageId } : {}),
    ...(r.digest ? { digest: r.digest } : {}),
    ...(r.error ? { error: r.error } : {}),
    log_truncated: r.logTruncated,
  };
}
