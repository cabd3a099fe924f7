import type { Redis } from 'ioredis';
import { JOB_JOB, JOB_QUEUE, jobJobSchema } from '../jobs/job.job';
import type { JobQueue } from '../jobs/job-queue.port';
import { BullJobQueue, type BullQueueSettings } from './bullmq-job.queue';

/** JobQueue over the BullMQ queue `jobs`. */
export class BullJobsQueue implements JobQueue {
  private readonly jobs: BullJobQueue;

  constructor(connection: Redis, options: BullQueueSettings) {
    this.jobs = new BullJobQueue(connection, { ...options, queue: JOB_QUEUE, jobName: JOB_JOB, label: 'jobs queue' });
  }

  async enqueue(jobId: string): Promise<void> {
    await this.jobs.enqueue(jobId, jobJobSchema.parse({ jobId }));
  }

  forget(jobId: string): Promise<boolean> {
    return this.jobs.forget(jobId);
  }

  removeIfWaiting(jobId: string): Promise<boolean> {
    return this.jobs.removeIfWaiting(jobId);
  }

  async close(): Promise<void> {
    await this.jobs.close();
  }
}
