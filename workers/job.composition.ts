import { join } from 'node:path';
import { QueueEvents, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { BerthConfig } from '../src/config/config.schema';
import { DockerodeRunEngine } from '../src/engine/dockerode-run';
import type { DockerodeEngine } from '../src/engine/dockerode.engine';
import { hostCredentials } from '../src/git/host-credentials';
import { DnsHostResolver } from '../src/git/host-resolver';
import { SimpleGitClient } from '../src/git/simple-git.client';
import { SecretBox } from '../src/builds/secret-box';
import { JobFiles } from '../src/jobs/job-files';
import { JOB_QUEUE } from '../src/jobs/job.job';
import { RedisJobStore } from '../src/jobs/redis-job.store';
import { JobProcessor } from './job.processor';

/**
 * The jobs queue's worker in the build worker process: same lock, stall and hand-back rules as
 * builds (`[build] lock_seconds`, `max_stalled`), `[jobs]` limits. `shutdown` aborts with SHUTDOWN
 * when the process stops: running jobs go back to the queue.
 */
export function composeJobWorker(parts: { config: BerthConfig; logger: Logger; redis: Redis; events: Redis; engine: DockerodeEngine; shutdown: AbortSignal }) {
  const { config, redis, shutdown } = parts;
  const logger = parts.logger.child({ component: 'jobs' });
  const j = config.jobs;
  const store = new RedisJobStore(redis, { prefix: config.redis.prefix, logMaxBytes: j.log_max_bytes, retentionSeconds: Math.round(j.retention_hours * 3600) });
  const files = new JobFiles(join(config.server.data_dir, 'jobs'));
  // Folders of jobs whose record expired go at start and then hourly.
  const sweep = () =>
    files
      .sweep(async (id) => (await store.get(id)) !== undefined, 3600_000)
      .then((count) => (count > 0 ? logger.info('removed files of forgotten jobs', { count }) : undefined))
      .catch((err: unknown) => logger.warn('job files not swept', { error: String(err) }));
  let sweeper: NodeJS.Timeout | undefined;
  const processor = new JobProcessor(
    store,
    new DockerodeRunEngine(parts.engine.docker, parts.engine, config.docker.socket_path),
    new SimpleGitClient(),
    files,
    {
      instance: config.server.instance,
      pidsLimit: j.pids_limit,
      maxOutputBytes: j.max_output_bytes,
      maxOutputFiles: j.max_output_files,
      diskWatchMs: 1000,
      maxSourceBytes: j.max_upload_bytes,
      maxLogReadBytes: 4 * j.log_max_bytes + 65536,
      git: {
        allowFileUrls: config.git.allow_file_urls,
        allowedHosts: config.git.allowed_hosts,
        hostResolver: new DnsHostResolver(),
        maxCheckoutBytes: config.build.max_checkout_bytes,
        cloneTimeoutMs: config.git.clone_timeout_seconds * 1000,
        hostCredentials: hostCredentials(config.git.credentials),
      },
      secretBox: SecretBox.fromDataDir(config.server.data_dir),
      cancelPollMs: 500,
    },
    logger,
  );
  const run = (job: Job, token?: string, signal?: AbortSignal) => processor.process(job, token, signal ? AbortSignal.any([shutdown, signal]) : shutdown);
  const worker = new Worker(JOB_QUEUE, run, {
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: j.concurrency,
    lockDuration: config.build.lock_seconds * 1000,
    stalledInterval: config.build.lock_seconds * 1000,
    maxStalledCount: config.build.max_stalled,
    autorun: false,
  });
  worker.on('error', (err) => logger.error('jobs worker error', { error: err.message }));
  worker.on('stalled', (jobId) => logger.warn('job taken up again after its worker stopped', { jobId }));
  worker.on('lockRenewalFailed', (jobIds) => jobIds.forEach((jobId) => worker.cancelJob(jobId, 'lock_lost')));
  // Jobs BullMQ fails by itself (stalled too often) never reach the processor: record them here.
  parts.events.on('error', () => undefined);
  const events = new QueueEvents(JOB_QUEUE, { connection: parts.events, prefix: config.redis.prefix });
  events.on('failed', ({ jobId, failedReason }) => {
    void store
      .transition(jobId, 'failed', { endedAt: new Date().toISOString(), error: { code: 'worker_lost', message: failedReason } })
      .then(() => store.expire(jobId))
      .catch(() => undefined);
  });
  return {
    start: async () => {
      await sweep();
      sweeper = setInterval(() => void sweep(), 3600_000).unref();
      await events.waitUntilReady();
      void worker.run();
      await worker.waitUntilReady();
      logger.info('jobs worker ready', { concurrency: j.concurrency });
    },
    close: async (force = false) => {
      clearInterval(sweeper);
      await worker.close(force);
      await events.close();
      parts.events.disconnect();
    },
  };
}
