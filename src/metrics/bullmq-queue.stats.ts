import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueSnapshot, QueueStatsReader } from './metrics.port';

/** Job states reported per queue. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;

/**
 * Depth, oldest waiting job and workers of BullMQ queues, read from Redis at scrape time, so the
 * figures are the same whichever API process is scraped and however many workers run. The queues
 * are only read: nothing here adds, moves or removes a job, nor writes their meta. The same `Queue`
 * objects feed the queue dashboard.
 */
export class BullQueueStats implements QueueStatsReader {
  readonly queues: Queue[];

  constructor(connection: Redis, options: { prefix: string; names: readonly string[]; now?: () => number; onError?: (err: Error) => void }) {
    this.now = options.now ?? Date.now;
    this.queues = options.names.map((name) => {
      const queue = new Queue(name, { connection, prefix: options.prefix, skipMetasUpdate: true });
      queue.on('error', options.onError ?? (() => undefined));
      return queue;
    });
  }

  private readonly now: () => number;

  async read(): Promise<QueueSnapshot[]> {
    return Promise.all(this.queues.map((q) => this.readOne(q)));
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close().catch(() => undefined)));
  }

  private async readOne(queue: Queue): Promise<QueueSnapshot> {
    const [counts, oldest, workers] = await Promise.all([
      queue.getJobCounts(...QUEUE_STATES),
      // BullMQ takes jobs from the list's far end: ascending order puts the oldest first.
      queue.getJobs(['waiting', 'prioritized'], 0, 0, true),
      queue.getWorkersCount(),
    ]);
    const timestamps = oldest.map((j) => j.timestamp).filter((t) => Number.isFinite(t));
    const since = timestamps.length > 0 ? Math.min(...timestamps) : undefined;
    return {
      queue: queue.name,
      jobs: Object.fromEntries(QUEUE_STATES.map((s) => [s, counts[s] ?? 0])),
      oldestWaitingSeconds: since === undefined ? 0 : Math.max(0, (this.now() - since) / 1000),
      workers,
    };
  }
}
