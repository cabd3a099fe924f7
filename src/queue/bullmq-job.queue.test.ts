import { Worker } from 'bullmq';
import { BullJobQueue } from './bullmq-job.queue';
import { BullQueueHarness } from './testing/bull-queue.harness';

const NAME = 'jobs';
let t: BullQueueHarness<BullJobQueue>;
beforeEach(() => {
  t = new BullQueueHarness(
    NAME,
    (redis, prefix) => new BullJobQueue(redis, { queue: NAME, jobName: 'run', label: 'test queue', prefix, attempts: 1, retentionSeconds: 60 }),
  );
});
afterEach(() => t.close());

describe('BullJobQueue', () => {
  it('forgets a waiting job, and keeps one a worker holds', async () => {
    await t.queue.enqueue('a', { id: 'a' });
    expect(await t.queue.forget('a')).toBe(true);
    expect(await t.inspect.getJob('a')).toBeUndefined();
    expect(await t.queue.forget('a')).toBe(true);

    await t.queue.enqueue('b', { id: 'b' });
    const connection = t.redis.duplicate({ maxRetriesPerRequest: null });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const worker = new Worker(NAME, () => held, { connection, prefix: t.prefix });
    await new Promise<void>((resolve) => worker.once('active', () => resolve()));
    expect(await t.queue.forget('b')).toBe(false);
    expect(await t.queue.removeIfWaiting('b')).toBe(false);
    release();
    await worker.close();
    connection.disconnect();
  });
});
