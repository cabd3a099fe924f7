import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Router } from 'express';

/** Where the queue dashboard is served. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board over Berth's queues, read-only: builds and deployments are driven by their records
 * (cancel, delete and retry go through the API, which keeps record and job in step); a job retried
 * or removed behind the record's back would leave the two apart.
 */
export function queueDashboard(queues: readonly Queue[]): Router {
  const server = new ExpressAdapter();
  server.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter: server,
    options: { uiConfig: { boardTitle: 'Berth queues' } },
  });
  return server.getRouter() as Router;
}
