import { z } from 'zod';

/** The jobs queue's one job kind: run the stored job with this id. The queue's job id is the job id. */
export const JOB_JOB = 'job';
export const JOB_QUEUE = 'jobs';

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Payloads carry only the id: the request lives in the job record. */
export const jobJobSchema = z.object({ jobId: z.string().regex(JOB_ID) }).strict();

/** True when `id` can name a job (checked before any store or file access). */
export function isValidJobId(id: string): boolean {
  return JOB_ID.test(id);
}
