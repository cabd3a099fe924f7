import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { UnavailableError } from '../errors';

/** What the queue's owner configures. */
export interface BullQueueSettings {
  /** Key prefix (`[redis] prefix`). */
  prefix: string;
  /** Tries of a job that failed for reasons of Berth's (`[build] attempts`; a deployment resumes from its recorded phase). */
  attempts: number;
  /** Seconds failed jobs stay visible in the queue. */
  retentionSeconds: number;
  /** Told of connection errors (BullMQ prints them to the console when nobody listens). */
  onError?: (err: Error) => void;
}

export interface BullJobQueueOptions extends BullQueueSettings {
  /** BullMQ queue name. */
  queue: string;
  /** Name every job is added under. */
  jobName: string;
  /** What the queue is called in errors (`build queue`, `deploy queue`). */
  label: string;
}

/** Job states after which a job under the same id would keep the record from being queued again. */
const FINISHED: ReadonlySet<string> = new Set(['completed', 'failed', 'unknown']);
/** States in which no worker holds the job yet (no job here has children, so none waits on them). */
const WAITING: ReadonlySet<string> = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * One job per record over a BullMQ queue: the job id is the record's id. The connection should
 * fail fast (no offline queue); Redis errors become `UnavailableError`.
 */
export class BullJobQueue {
  private readonly queue: Queue;

  constructor(
    connection: Redis,
    private readonly options: BullJobQueueOptions,
  ) {
    this.queue = new Queue(options.queue, {
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

  /** Queues the job unless one under the id waits or runs; a finished one under the id is replaced. */
  async enqueue(id: string, data: object): Promise<void> {
    await this.run(async () => {
      const existing = await this.queue.getJob(id);
      if (existing) {
        if (!FINISHED.has(await existing.getState())) return; // waiting, delayed or running: queued already
        // BullMQ ignores an add under the id of a job it still keeps: the record would never run.
        await existing.remove().catch(() => undefined);
      }
      await this.queue.add(this.options.jobName, data, { jobId: id });
    });
  }

  /** Removes the job whatever its state; false while a worker still has it. */
  async forget(id: string): Promise<boolean> {
    return this.run(async () => {
      const job = await this.queue.getJob(id);
      if (!job) return true;
      if ((await job.getState()) === 'active') return false;
      return this.remove(job);
    });
  }

  /** Takes the job off the queue if no worker has it yet; true when removed. */
  async removeIfWaiting(id: string): Promise<boolean> {
    return this.run(async () => {
      const job = await this.queue.getJob(id);
      if (!job || !WAITING.has(await job.getState())) return false;
      return this.remove(job);
    });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  private async remove(job: { remove(): Promise<void> }): Promise<boolean> {
    try {
      await job.remove();
      return true;
    } catch {
      return false; // a worker took it meanwhile: it sees the record's state
    }
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new UnavailableError('redis', `${this.options.label} is not reachable: ${(err as Error).message}`);
    }
  }
}
