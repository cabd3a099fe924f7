import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { UnavailableError } from '../errors';
import { BUILD_JOB, BUILD_QUEUE, buildJobSchema } from '../builds/build.job';
import type { BuildQueue } from './build-queue.port';

export interface BullBuildQueueOptions {
  /** Key prefix (`[redis] prefix`). */
  prefix: string;
  /** Tries of a build that failed for reasons of Berth's (`[build] attempts`). */
  attempts: number;
  /** Seconds failed jobs stay visible in the queue. */
  retentionSeconds: number;
  /** Told of connection errors (BullMQ prints them to the console when nobody listens). */
  onError?: (err: Error) => void;
}

/** Job states after which a job under the same id would keep a new build from being queued. */
const FINISHED: ReadonlySet<string> = new Set(['completed', 'failed', 'unknown']);

/** BuildQueue over a BullMQ queue. The connection should fail fast (no offline queue). */
export class BullBuildQueue implements BuildQueue {
  private readonly queue: Queue;

  constructor(connection: Redis, options: BullBuildQueueOptions) {
    this.queue = new Queue(BUILD_QUEUE, {
      connection,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: true,
        removeOnFail: { age: options.retentionSeconds },
      },
    });
    this.queue.on('error', options.onError ?? (() => undefined));
  }

  async enqueue(buildId: string): Promise<void> {
    const data = buildJobSchema.parse({ buildId });
    await this.run(async () => {
      const existing = await this.queue.getJob(buildId);
      if (existing) {
        const state = await existing.getState();
        if (!FINISHED.has(state)) return; // waiting, delayed or running: it is queued already
        // BullMQ ignores an add under the id of a job it still keeps: the build would never run.
        await existing.remove().catch(() => undefined);
      }
      await this.queue.add(BUILD_JOB, data, { jobId: buildId });
    });
  }

  async forget(buildId: string): Promise<boolean> {
    return this.run(async () => {
      const job = await this.queue.getJob(buildId);
      if (!job) return true;
      if ((await job.getState()) === 'active') return false;
      try {
        await job.remove();
        return true;
      } catch {
        return false; // a worker took it meanwhile
      }
    });
  }

  async removeIfWaiting(buildId: string): Promise<boolean> {
    return this.run(async () => {
      const job = await this.queue.getJob(buildId);
      if (!job) return false;
      const state = await job.getState();
      if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
      try {
        await job.remove();
        return true;
      } catch {
        return false; // a worker took it meanwhile: it will see the cancel request
      }
    });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new UnavailableError('redis', `build queue is not reachable: ${(err as Error).message}`);
    }
  }
}
