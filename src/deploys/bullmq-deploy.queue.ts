import type { Redis } from 'ioredis';
import { z } from 'zod';
import { BullJobQueue, type BullQueueSettings } from '../queue/bullmq-job.queue';
import type { DeployQueue } from './deploy-queue.port';

/** The queue's one job: run the stored deployment with this id. The job id is the deployment id. */
export const DEPLOY_JOB = 'deploy';
export const DEPLOY_QUEUE = 'deploys';

/** Job payloads carry only the id: the request lives in the deployment record. */
export const deployJobSchema = z.object({ deploymentId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/) }).strict();

export type DeployJob = z.infer<typeof deployJobSchema>;

export type BullDeployQueueOptions = BullQueueSettings;

/** DeployQueue over a BullMQ queue. The connection should fail fast (no offline queue). */
export class BullDeployQueue implements DeployQueue {
  private readonly jobs: BullJobQueue;

  constructor(connection: Redis, options: BullDeployQueueOptions) {
    this.jobs = new BullJobQueue(connection, { ...options, queue: DEPLOY_QUEUE, jobName: DEPLOY_JOB, label: 'deploy queue' });
  }

  async enqueue(deploymentId: string): Promise<void> {
    await this.jobs.enqueue(deploymentId, deployJobSchema.parse({ deploymentId }));
  }

  async removeIfWaiting(deploymentId: string): Promise<boolean> {
    return this.jobs.removeIfWaiting(deploymentId);
  }

  async close(): Promise<void> {
    await this.jobs.close();
  }
}
