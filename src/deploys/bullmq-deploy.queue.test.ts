import { Worker } from 'bullmq';
import { BullQueueHarness } from '../queue/testing/bull-queue.harness';
import { BullDeployQueue, DEPLOY_QUEUE } from './bullmq-deploy.queue';

// BullMQ keeps a failed job under its id and ignores an add under that id: the adapter must not.
let t: BullQueueHarness<BullDeployQueue>;
beforeEach(() => {
  t = new BullQueueHarness(DEPLOY_QUEUE, (redis, prefix) => new BullDeployQueue(redis, { prefix, attempts: 1, retentionSeconds: 60 }));
});
afterEach(() => t.close());

async function state(id: string): Promise<string | undefined> {
  return (await t.inspect.getJob(id))?.getState();
}

describe('BullDeployQueue', () => {
  it('queues one job per deployment id, and removes it while it waits', async () => {
    await t.queue.enqueue('d1');
    await t.queue.enqueue('d1');
    expect(await t.inspect.getJobCounts('waiting')).toEqual({ waiting: 1 });
    expect((await t.inspect.getJob('d1'))?.data).toEqual({ deploymentId: 'd1' });
    expect(await t.queue.removeIfWaiting('d1')).toBe(true);
    expect(await state('d1')).toBeUndefined();
    expect(await t.queue.removeIfWaiting('d1')).toBe(false);
  });

  it('queues a deployment again whose job failed before, instead of being ignored', async () => {
    await t.queue.enqueue('d1');
    const connection = t.redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker(
      DEPLOY_QUEUE,
      async () => {
        throw new Error('boom');
      },
      { connection, prefix: t.prefix },
    );
    await new Promise<void>((resolve) => worker.once('failed', () => resolve()));
    await worker.close();
    connection.disconnect();
    expect(await state('d1')).toBe('failed');
    expect(await t.queue.removeIfWaiting('d1')).toBe(false);
    await t.queue.enqueue('d1');
    expect(await state('d1')).toBe('waiting');
  });

  it('refuses ids a deployment cannot have', async () => {
    await expect(t.queue.enqueue('../x')).rejects.toThrow();
  });
});
