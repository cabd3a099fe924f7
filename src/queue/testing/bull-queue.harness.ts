import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * One test of a queue adapter against the real Redis: its own connection and key prefix, the
 * adapter under test, and BullMQ's own view of the same queue to check what the adapter did.
 * `close` removes everything under the prefix.
 */
export class BullQueueHarness<Q extends { close(): Promise<void> }> {
  readonly redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  readonly prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
  readonly queue: Q;
  readonly inspect: Queue;

  constructor(queueName: string, make: (redis: Redis, prefix: string) => Q) {
    this.queue = make(this.redis, this.prefix);
    this.inspect = new Queue(queueName, { connection: this.redis, prefix: this.prefix });
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.inspect.close();
    const keys = await this.redis.keys(`${this.prefix}:*`);
    if (keys.length > 0) await this.redis.del(...keys);
    this.redis.disconnect();
  }
}
