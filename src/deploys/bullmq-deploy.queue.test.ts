import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { BullDeployQueue, DEPLOY_QUEUE } from './bullmq-deploy.queue';

// BullMQ keeps a failed job under its id and ignores an add under that id: the adapter must not.
const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let redis: Redis;
let prefix: string;
let queue: BullDeployQueue;
let inspect: Queue;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
beforeEach(() => {
  prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
  queue = new BullDeployQueue(redis, { prefix, attempts: 1, retentionSeconds: 60 });
  inspect = new Queue(DEPLOY_QUEUE, { connection: redis, prefix });
});
afterEach(async () => {
  await queue.close();
  await inspect.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});
afterAll(() => {
  redis.disconnect();
});

async function state(id: string): Promise<string | undefined> {
  return (await inspect.getJob(id))?.getState();
}

describe('BullDeployQueue', () => {
  it('queues one job per deployment id, and removes it while it waits', async () => {
    await queue.enqueue('d1');
    await queue.enqueue('d1');
    expect(await inspect.getJobCounts('waiting')).toEqual({ waiting: 1 });
    expect((await inspect.getJob('d1'))?.data).toEqual({ deploymentId: 'd1' });
    expect(await queue.removeIfWaiting('d1')).toBe(true);
    expect(await state('d1')).toBeUndefined();
    expect(await queue.removeIfWaiting('d1')).toBe(false);
  });

  it('queues a deployment again whose job failed before, instead of being ignored', async () => {
    await queue.enqueue('d1');
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker(
      DEPLOY_QUEUE,
      async () => {
        throw new Error('boom');
      },
      { connection, prefix },
    );
    await new Promise<void>((resolve) => worker.once('failed', () => resolve()));
    await worker.close();
    connection.disconnect();
    expect(await state('d1')).toBe('failed');
    expect(await queue.removeIfWaiting('d1')).toBe(false);
    await queue.enqueue('d1');
    expect(await state('d1')).toBe('waiting');
  });

  it('refuses ids a deployment cannot have', async () => {
    await expect(queue.enqueue('../x')).rejects.toThrow();
  });
});
