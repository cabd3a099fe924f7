import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { BullJobQueue } from './bullmq-job.queue';

const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NAME = 'jobs';

let redis: Redis;
let prefix: string;
let queue: BullJobQueue;
let inspect: Queue;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
beforeEach(() => {
  prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
  queue = new BullJobQueue(redis, { queue: NAME, jobName: 'run', label: 'test queue', prefix, attempts: 1, retentionSeconds: 60 });
  inspect = new Queue(NAME, { connection: redis, prefix });
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

describe('BullJobQueue', () => {
  it('forgets a waiting job, and keeps one a worker holds', async () => {
    await queue.enqueue('a', { id: 'a' });
    expect(await queue.forget('a')).toBe(true);
    expect(await inspect.getJob('a')).toBeUndefined();
    expect(await queue.forget('a')).toBe(true);

    await queue.enqueue('b', { id: 'b' });
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const worker = new Worker(NAME, () => held, { connection, prefix });
    await new Promise<void>((resolve) => worker.once('active', () => resolve()));
    expect(await queue.forget('b')).toBe(false);
    expect(await queue.removeIfWaiting('b')).toBe(false);
    release();
    await worker.close();
    connection.disconnect();
  });
});
