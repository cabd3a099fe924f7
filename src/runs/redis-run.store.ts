import type { Redis } from 'ioredis';
import { redisCall } from '../redis/redis-call';
import { isEnded, type RunLogLine, type RunRecord, type RunStatus, type RunStore } from './run.record';

export interface RedisRunStoreOptions {
  prefix: string;
  /** Seconds an ended run (record and output) is kept. */
  retentionSeconds: number;
}

/**
 * Runs in Redis: `<prefix>:run:<id>` (JSON record), `<prefix>:run:<id>:log` (list of output
 * lines) and `<prefix>:runs` (sorted set by creation time, for listing). Ended runs expire; the
 * index forgets them as a listing meets them. Only the API process that runs a run writes it.
 */
export class RedisRunStore implements RunStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisRunStoreOptions,
  ) {}

  async create(record: RunRecord): Promise<void> {
    await redisCall(() => this.redis.multi().set(this.key(record.id), JSON.stringify(record)).zadd(this.index(), Date.parse(record.createdAt), record.id).exec());
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const raw = await redisCall(() => this.redis.get(this.key(id)));
    return raw ? (JSON.parse(raw) as RunRecord) : undefined;
  }

  async save(record: RunRecord): Promise<void> {
    const multi = this.redis.multi().set(this.key(record.id), JSON.stringify(record));
    if (isEnded(record.status)) {
      multi.expire(this.key(record.id), this.options.retentionSeconds).expire(this.logKey(record.id), this.options.retentionSeconds);
    }
    await redisCall(() => multi.exec());
  }

  async list(options: { status?: RunStatus; limit: number; offset: number }): Promise<{ records: RunRecord[]; total: number }> {
    const ids = await redisCall(() => this.redis.zrevrange(this.index(), 0, -1));
    const records: RunRecord[] = [];
    const gone: string[] = [];
    // Records are read in pages so a long index never means one huge MGET.
    for (let i = 0; i < ids.length; i += 500) {
      const page = ids.slice(i, i + 500);
      const raws = await redisCall(() => this.redis.mget(page.map((id) => this.key(id))));
      raws.forEach((raw, n) => {
        if (raw === null) gone.push(page[n] as string);
        else records.push(JSON.parse(raw) as RunRecord);
      });
    }
    if (gone.length > 0) await redisCall(() => this.redis.zrem(this.index(), ...gone));
    const matching = options.status ? records.filter((r) => r.status === options.status) : records;
    return { records: matching.slice(options.offset, options.offset + options.limit), total: matching.length };
  }

  async appendLog(id: string, lines: Array<Omit<RunLogLine, 'seq'>>): Promise<void> {
    if (lines.length === 0) return;
    await redisCall(() => this.redis.rpush(this.logKey(id), ...lines.map((l) => JSON.stringify([l.time, l.stream, l.text]))));
  }

  async readLog(id: string, fromSeq: number): Promise<RunLogLine[]> {
    const raws = await redisCall(() => this.redis.lrange(this.logKey(id), fromSeq, -1));
    return raws.map((raw, n) => {
      const [time, stream, text] = JSON.parse(raw) as [string, RunLogLine['stream'], string];
      return { seq: fromSeq + n, time, stream, text };
    });
  }

  async remove(id: string): Promise<void> {
    await redisCall(() => this.redis.multi().del(this.key(id), this.logKey(id)).zrem(this.index(), id).exec());
  }

  private key(id: string): string {
    return `${this.options.prefix}:run:${id}`;
  }

  private logKey(id: string): string {
    return `${this.options.prefix}:run:${id}:log`;
  }

  private index(): string {
    return `${this.options.prefix}:runs`;
  }
}
