import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { UnavailableError } from '../errors';
import type { DeployQueue } from './deploy-queue.port';

/** The queue's one job: run the stored deployment with this id. The job id is the deployment id. */
export const DEPLOY_JOB = 'deploy';
export const DEPLOY_QUEUE = 'deploys';

/** Job payloads carry only the id: the request lives in the deployment record. */
export const deployJobSchema = z.object({ deploymentId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/) }).strict();

export type DeployJob = z.infer<typeof deployJobSchema>;

export interface BullDeployQueueOptions {
  /** Key prefix (`[redis] prefix`). */
  prefix: string;
  /** Tries of a deployment that failed for reasons of Berth's (the worker resumes from the recorded phase). */
  attempts: number;
  /** Seconds failed jobs stay visible in the queue. */
  retentionSeconds: number;
  /** Told of connection errors (BullMQ prints them to the console when nobody listens). */
  onError?: (err: Error) => void;
}

/** Job states after which a job under the same id would keep the deployment from being queued again. */
const FINISHED: ReadonlySet<string> = new Set(['completed', 'failed', 'unknown']);
const WAITING: ReadonlySet<string> = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

/** DeployQueue over a BullMQ queue. The connection should fail fast (no offline queue). */
export class BullDeployQueue implements DeployQueue {
  private readonly queue: Queue;

  constructor(connection: Redis, options: BullDeployQueueOptions) {
    this.queue = new Queue(DEPLOY_QUEUE, {
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

  async enqueue(deploymentId: string): Promise<void> {
    const data = deployJobSchema.parse({ deploymentId });
    await this.run(async () => {
      const existing = await this.queue.getJob(deploymentId);
      if (existing) {
        if (!FINISHED.has(await existing.getState())) return; // waiting, delayed or running: queued already
        // BullMQ ignores an add under the id of a job it still keeps: the deployment would never run.
        await existing.remove().catch(() => undefined);
      }
      await this.queue.add(DEPLOY_JOB, data, { jobId: deploymentId });
    });
  }

  async removeIfWaiting(deploymentId: string): Promise<boolean> {
    return this.run(async () => {
      const job = await this.queue.getJob(deploymentId);
      if (!job || !WAITING.has(await job.getState())) return false;
      try {
        await job.remove();
        return true;
      } catch {
        return false; // a worker took it meanwhile: it sees the record's state
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
      throw new UnavailableError('redis', `deploy queue is not reachable: ${(err as Error).message}`);
    }
  }
}
