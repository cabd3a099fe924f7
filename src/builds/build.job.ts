import { z } from 'zod';

/** The queue's one job: build the stored build with this id. The job id is the build id. */
export const BUILD_JOB = 'build';
export const BUILD_QUEUE = 'builds';

/** Job payloads carry only the id: the request lives in the build record, secrets apart from both. */
export const buildJobSchema = z.object({ buildId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/) }).strict();

export type BuildJob = z.infer<typeof buildJobSchema>;
