import type { Redis } from 'ioredis';
import type { ContainerRegistry } from '../services/container-registry.port';
import { redisCall } from './redis-call';

/**
 * The containers one Berth instance created: a Redis set of engine ids under
 * `<prefix>:containers:<instance>`. An id whose container was removed behind Berth's back stays
 * until removed through the API; engine ids are random 64-hex strings, never reused.
 */
export class RedisContainerRegistry implements ContainerRegistry {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    options: { prefix: string; instance: string },
  ) {
    this.key = `${options.prefix}:containers:${options.instance}`;
  }

  async add(id: string): Promise<void> {
    await redisCall(() => this.redis.sadd(this.key, id));
  }

  async recorded(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const flags = await redisCall(() => this.redis.smismember(this.key, ...ids));
    return new Set(ids.filter((_, i) => flags[i] === 1));
  }

  async remove(id: string): Promise<void> {
    await redisCall(() => this.redis.srem(this.key, id));
  }
}
