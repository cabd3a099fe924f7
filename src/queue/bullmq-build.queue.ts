import type { Redis } from 'ioredis';
import { BUILD_JOB, BUILD_QUEUE, buildJobSchema } from '../builds/build.job';
import type { BuildQueue } from './build-queue.port';
import { BullJobQueue, type BullQueueSettings } from './bullmq-job.queue';

export type BullBuildQueueOptions = BullQueueSettings;

/** BuildQueue over a BullMQ queue. The connection should fail fast (no offline queue). */
export class BullBuildQueue implements BuildQueue {
  private readonly jobs: BullJobQueue;

  constructor(connection: Redis, options: BullBuildQueueOptions) {
    this.jobs = new BullJobQueue(connection, { ...options, queue: BUILD_QUEUE, jobName: BUILD_JOB, label: 'build queue' });
  }

  async enqueue(buildId: string): Promise<void> {
    await this.jobs.enqueue(buildId, buildJobSchema.parse({ buildId }));
  }

  async forget(buildId: string): Promise<boolean> {
    return this.jobs.forget(buildId);
  }

  async removeIfWaiting(buildId: string): Promise<boolean> {
    return this.jobs.removeIfWaiting(buildId);
  }

  async close(): Promise<void> {
    await this.jobs.close();
  }
}
