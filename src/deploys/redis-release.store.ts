import type { Redis } from 'ioredis';
import { redisCall } from '../redis/redis-call';
import type { ReleaseRecord, ReleaseStore } from './deployment.record';

export interface RedisReleaseStoreOptions {
  /** Key prefix (`[redis] prefix`). */
  prefix: string;
}

// Stores a release (never replacing one: releases are immutable) and drops all but the newest
// `keep`, in one step. KEYS: record, index. ARGV: json, number, keep, record key prefix.
const ADD = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[2])
local keep = tonumber(ARGV[3])
local count = redis.call('ZCARD', KEYS[2])
if count <= keep then return {} end
local dropped = redis.call('ZRANGE', KEYS[2], 0, count - keep - 1)
for _, n in ipairs(dropped) do redis.call('DEL', ARGV[4] .. n) end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, count - keep - 1)
return dropped`;

/** ReleaseStore on Redis: a JSON string per release, a sorted set (by number) per app, a counter. */
export class RedisReleaseStore implements ReleaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisReleaseStoreOptions,
  ) {}

  async reserve(app: string): Promise<number> {
    return redisCall(() => this.redis.incr(this.seqKey(app)));
  }

  async add(release: ReleaseRecord, keep: number): Promise<number[]> {
    const { app, number } = release;
    const dropped = await redisCall(() =>
      this.redis.eval(ADD, 2, this.key(app, number), this.indexKey(app), JSON.stringify(release), number, Math.max(1, keep), this.key(app, '')),
    );
    return (dropped as string[]).map(Number);
  }

  async get(app: string, number: number): Promise<ReleaseRecord | undefined> {
    const raw = await redisCall(() => this.redis.get(this.key(app, number)));
    return raw === null ? undefined : (JSON.parse(raw) as ReleaseRecord);
  }

  async list(app: string): Promise<ReleaseRecord[]> {
    const numbers = await redisCall(() => this.redis.zrevrange(this.indexKey(app), 0, -1));
    if (numbers.length === 0) return [];
    const raws = await redisCall(() => this.redis.mget(...numbers.map((n) => this.key(app, n))));
    return raws.flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as ReleaseRecord]));
  }

  async removeApp(app: string): Promise<void> {
    const numbers = await redisCall(() => this.redis.zrange(this.indexKey(app), '0', '-1'));
    await redisCall(() => this.redis.del(this.indexKey(app), this.seqKey(app), ...numbers.map((n) => this.key(app, n))));
  }

  private key(app: string, number: number | string): string {
    return `${this.options.prefix}:release:${app}:${number}`;
  }

  private indexKey(app: string): string {
    return `${this.options.prefix}:app:${app}:releases`;
  }

  private seqKey(app: string): string {
    return `${this.options.prefix}:app:${app}:release-seq`;
  }
}
