import type { Redis } from 'ioredis';
import { APPEND_CAPPED } from '../redis/fenced-log.scripts';
import { encodeLogLines, readLogLines, truncationNotice } from '../redis/log-lines';
import { redisCall } from '../redis/redis-call';
import type { ImageOperationEnd, ImageOperationRecord, ImageOperationStore, PulledImages } from './image-operation.record';

export interface RedisImageOperationStoreOptions {
  /** Key prefix (`[redis] prefix`). */
  prefix: string;
  /** Bytes of progress log kept per operation (`[images] log_max_bytes`). */
  logMaxBytes: number;
  /** Seconds a finished operation is kept (`[images] retention_hours`). */
  retentionSeconds: number;
  /**
   * The node whose pulled images this store records (default `local`). Operations are one set for
   * every node (their ids are global); the pulled ids are kept per node: a pull on one node makes
   * no image of another Berth's.
   */
  node?: string;
}

// The build log's capped append, unfenced (an operation has one runner). KEYS: record, log. ARGV: cap, notice, '', line...
const APPEND_LOG = `${APPEND_CAPPED}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return append_capped()`;

/** Operations on Redis: a hash each, a list for its log (as builds), a set of the unfinished; pulled image ids in one hash. */
export class RedisImageOperationStore implements ImageOperationStore, PulledImages {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisImageOperationStoreOptions,
  ) {}

  async create(record: ImageOperationRecord): Promise<void> {
    // Expires even if the API dies before ending it; `finish` sets the time again from the end.
    const seconds = this.options.retentionSeconds;
    await redisCall(() =>
      this.redis
        .multi()
        .hset(this.key(record.id), { record: JSON.stringify(record) })
        .expire(this.key(record.id), seconds)
        .sadd(this.unfinishedKey(), record.id)
        .exec(),
    );
  }

  async finish(id: string, end: ImageOperationEnd): Promise<void> {
    const current = await this.get(id);
    // Gone, or ended already (a cancel and the end racing): only leaves the unfinished set.
    if (current?.status !== 'running') {
      await redisCall(() => this.redis.srem(this.unfinishedKey(), id));
      return;
    }
    const record: ImageOperationRecord = { ...current, ...end };
    const seconds = this.options.retentionSeconds;
    await redisCall(() =>
      this.redis
        .multi()
        .hset(this.key(id), { record: JSON.stringify(record) })
        .expire(this.key(id), seconds)
        .expire(this.logKey(id), seconds)
        .srem(this.unfinishedKey(), id)
        .exec(),
    );
  }

  async unfinished(): Promise<string[]> {
    return redisCall(() => this.redis.smembers(this.unfinishedKey()));
  }

  async get(id: string): Promise<ImageOperationRecord | undefined> {
    const [raw, truncated] = await redisCall(() => this.redis.hmget(this.key(id), 'record', 'log_truncated'));
    if (!raw) return undefined;
    return { ...(JSON.parse(raw) as ImageOperationRecord), logTruncated: truncated === '1' };
  }

  async appendLog(id: string, lines: Array<{ time: string; text: string }>): Promise<boolean> {
    const encoded = encodeLogLines(lines);
    const notice = truncationNotice(this.options.logMaxBytes, 'the operation');
    const all = await redisCall(() => this.redis.eval(APPEND_LOG, 2, this.key(id), this.logKey(id), this.options.logMaxBytes, notice, '', ...encoded));
    return all !== 1;
  }

  async readLog(id: string, fromSeq: number): Promise<Array<{ seq: number; time: string; text: string }>> {
    return readLogLines(this.redis, this.logKey(id), fromSeq);
  }

  async add(imageId: string, ref: string): Promise<void> {
    await redisCall(() => this.redis.hset(this.pulledKey(), imageId, JSON.stringify({ ref, at: new Date().toISOString() })));
  }

  async has(imageId: string): Promise<boolean> {
    return (await redisCall(() => this.redis.hexists(this.pulledKey(), imageId))) === 1;
  }

  async ids(): Promise<string[]> {
    return redisCall(() => this.redis.hkeys(this.pulledKey()));
  }

  private key(id: string): string {
    return `${this.options.prefix}:image-op:${id}`;
  }

  private logKey(id: string): string {
    return `${this.key(id)}:log`;
  }

  /** The operations created and not yet ended: what `recover` looks at after a restart. */
  private unfinishedKey(): string {
    return `${this.options.prefix}:image-ops:unfinished`;
  }

  private pulledKey(): string {
    const node = this.options.node ?? 'local';
    // `local` keeps the key it had before there were nodes.
    return node === 'local' ? `${this.options.prefix}:images:pulled` : `${this.options.prefix}:images:pulled:node:${node}`;
  }
}
