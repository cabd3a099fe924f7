import { Redis } from 'ioredis';
import { UnavailableError } from '../errors';
import type { RedisPing } from './redis.port';

/**
 * A Redis connection that fails fast: commands issued while Redis is down are rejected at once
 * (no offline queue), so the API can answer 503 instead of hanging.
 * BullMQ needs `maxRetriesPerRequest: null` on connections it blocks on; this one is for the API.
 */
export function createRedisConnection(url: string): Redis {
  return new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

export class RedisHealth implements RedisPing {
  constructor(private readonly redis: Redis) {}

  async ping(): Promise<void> {
    try {
      await this.redis.ping();
    } catch (err) {
      throw new UnavailableError('redis', `redis is not reachable: ${(err as Error).message}`);
    }
  }
}
