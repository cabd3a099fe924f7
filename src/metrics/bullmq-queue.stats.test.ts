import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BullQueueStats } from './bullmq-queue.stats';

// BullMQ keeps its queues in Redis: the figures are read from the real one.
const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
beforeEach(() => {
  prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});
afterAll(() => {
  redis.disconnect();
});

describe('BullQueueStats', () => {
  it('reports jobs by state, the oldest waiting job and no workers, per queue', async () => {
    const producer = new Queue('builds', { connection: redis, prefix });
    await producer.add('build', {}, { jobId: 'old', timestamp: 1_000_000 });
    await producer.add('build', {}, { jobId: 'new', timestamp: 1_030_000 });
    await producer.add('build', {}, { jobId: 'later', delay: 60_000 });
    const stats = new BullQueueStats(redis, { prefix, names: ['builds', 'deploys'], now: () => 1_040_000 });
    try {
      expect(await stats.read()).toEqual([
        { queue: 'builds', jobs: { waiting: 2, active: 0, delayed: 1, failed: 0, prioritized: 0 }, oldestWaitingSeconds: 40, workers: 0 },
        { queue: 'deploys', jobs: { waiting: 0, active: 0, delayed: 0, failed: 0, prioritized: 0 }, oldestWaitingSeconds: 0, workers: 0 },
      ]);
    } finally {
      await stats.close();
      await producer.close();
    }
  });
});
