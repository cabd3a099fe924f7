import { rm } from 'node:fs/promises';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'winston';
import type { BuildLogWriter } from '../src/builds/build-log.writer';
import { LogRedactor, credentialSecrets } from '../src/builds/log-redactor';
import { RedactingLogWriter } from '../src/builds/redacting-log.writer';
import type { SecretBox } from '../src/builds/secret-box';
import type { GitCredentials } from '../src/git/git.port';
import { AppError, UnavailableError } from '../src/errors';
import type { RunEngine } from '../src/engine/engine.port';
import type { GitClient } from '../src/git/git.port';
import { ArchiveTooLargeError, packDir } from '../src/jobs/job-archive';
import type { JobFiles } from '../src/jobs/job-files';
import { watchDiskUse } from '../src/jobs/disk-use';
import { jobJobSchema } from '../src/jobs/job.job';
import { isJobEnded, type JobRecord, type JobStatus, type JobStore, type JobUpdate } from '../src/jobs/job.record';
import { StoppedError, watchAttempt } from './build-attempt';
import { prepareJob, type JobGitOptions } from './job-workspace';

/** Label carrying the job id on its container: a later attempt removes what a dead one left. */
export const JOB_LABEL = 'berth.job';

export interface JobProcessorOptions {
  instance: string;
  pidsLimit: number;
  /** Bytes the output tar may have, and the job may write while it runs (`[jobs] max_output_bytes`). */
  maxOutputBytes: number;
  /** Files and folders the job may make while it runs (`[jobs] max_output_files`). */
  maxOutputFiles: number;
  /** How often the folders a running job writes to are measured. */
  diskWatchMs: number;
  /** Bytes a host source folder may pack to (`[jobs] max_upload_bytes`). */
  maxSourceBytes: number;
  /** Bytes of program output decoded into log lines; the store's log cap applies after. */
  maxLogReadBytes: number;
  git: JobGitOptions;
  /** Opens the git credentials the API sealed (same `[server] data_dir`). */
  secretBox: SecretBox;
  cancelPollMs: number;
}

/** One attempt at a job: folders laid out, container run with its limits, output packed, record ended. */
export class JobProcessor {
  constructor(
    private readonly store: JobStore,
    private readonly engine: RunEngine,
    private readonly git: GitClient,
    private readonly files: JobFiles,
    private readonly options: JobProcessorOptions,
    private readonly logger: Logger,
  ) {}

  /** BullMQ's processor (see BuildProcessor.process for the conventions of `token` and `signal`). */
  async process(job: Job, token?: string, signal?: AbortSignal): Promise<void> {
    const parsed = jobJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed job payload: ${parsed.error.message}`);
    const { jobId } = parsed.data;
    const record = await this.store.get(jobId);
    if (!record || isJobEnded(record.status)) return;
    const attempt = await this.store.countAttempt(jobId);
    if (attempt === 0) return;
    let credentials: GitCredentials | undefined;
    try {
      credentials = record.sealedCredentials ? (JSON.parse(this.options.secretBox.open(jobId, record.sealedCredentials)) as GitCredentials) : undefined;
    } catch (err) {
      const error = { code: err instanceof AppError ? err.code : 'secrets_unreadable', message: (err as Error).message };
      await this.store.transition(jobId, 'failed', { endedAt: new Date().toISOString(), error }, attempt);
      await this.store.expire(jobId);
      throw new UnrecoverableError(error.message);
    }
    const redactor = new LogRedactor(credentialSecrets(credentials));
    const log = new RedactingLogWriter(redactor, { appendLog: (id, lines) => this.store.appendLog(id, lines, attempt) }, jobId, (err) =>
      this.logger.warn('log write failed', { jobId, error: String(err) }),
    );
    const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      await this.attempt(record, attempt, log, signal, credentials);
    } catch (err) {
      await this.fail({ jobId, attempt, log, lastTry, timeoutSeconds: record.spec.timeoutSeconds, redact: (t) => redactor.redact(t) }, err, async () => {
        if (token) await job.moveToWait(token);
      });
    } finally {
      await log.flush();
      const final = await this.store.get(jobId).catch(() => undefined);
      if (!final || isJobEnded(final.status)) {
        await this.files.dropWork(jobId).catch(() => undefined);
        await this.store.expire(jobId).catch(() => undefined);
      }
    }
  }

  private async attempt(record: JobRecord, attempt: number, log: BuildLogWriter, outer?: AbortSignal, credentials?: GitCredentials): Promise<void> {
    const { spec } = record;
    const timeoutMs = spec.timeoutSeconds * 1000;
    const { controller, stop, dispose } = watchAttempt(this.store, { buildId: spec.id, attempt, timeoutMs, pollMs: this.options.cancelPollMs }, outer);
    let containerId: string | undefined;
    let overLimit: AppError | undefined;
    let unwatch = () => undefined as void;
    try {
      if (record.cancelRequested) stop('cancelled');
      if (attempt > 1) log.line(`[berth] attempt ${attempt}: taking the job up again`);
      await this.removeStale(spec.id);
      await this.store.transition(spec.id, 'running', { startedAt: new Date().toISOString() }, attempt);
      const prepared = await prepareJob(
        spec,
        this.files,
        { client: this.git, options: this.options.git },
        { maxSourceBytes: this.options.maxSourceBytes },
        controller.signal,
        (l) => log.line(l),
        credentials,
      );
      if (prepared.commit) await this.store.transition(spec.id, 'running', { commit: prepared.commit }, attempt);
      stopped(controller.signal);
      const work = this.files.work(spec.id);
      unwatch = await watchDiskUse({
        dirs: [work.app, work.out],
        maxBytes: this.options.maxOutputBytes,
        maxEntries: this.options.maxOutputFiles,
        intervalMs: this.options.diskWatchMs,
        onExceeded: (message) => {
          overLimit = new AppError('output_too_large', `${message} (killed; [jobs] max_output_bytes / max_output_files)`);
          stop('cancelled');
        },
      });
      log.line(`[berth] running ${JSON.stringify(spec.run)} in ${spec.image}`);
      containerId = (
        await this.engine.createRunContainer({
          image: spec.image,
          command: spec.run,
          env: spec.env,
          labels: { 'berth.managed': 'true', 'berth.instance': this.options.instance, [JOB_LABEL]: spec.id },
          ...(spec.memoryBytes ? { memoryBytes: spec.memoryBytes } : {}),
          ...(spec.nanoCpus ? { nanoCpus: spec.nanoCpus } : {}),
          pidsLimit: this.options.pidsLimit,
          network: spec.network,
          capAdd: [],
          binds: prepared.binds,
          workingDir: '/app',
        })
      ).id;
      const outcome = await this.engine.runContainer(containerId, undefined, (line) => log.line(line.text), {
        signal: controller.signal,
        maxOutputBytes: this.options.maxLogReadBytes,
      });
      await this.removeContainer(containerId);
      containerId = undefined;
      stopped(controller.signal);
      await this.finish(spec.id, attempt, outcome, log);
    } catch (err) {
      if (overLimit) throw overLimit;
      // A clone or unpack cut short by the stop fails in its own way: the stop is the reason.
      if (controller.signal.aborted && !(err instanceof StoppedError)) throw new StoppedError(controller.signal.reason as StoppedError['reason']);
      throw err;
    } finally {
      unwatch();
      dispose();
      if (containerId) await this.removeContainer(containerId);
    }
  }

  /** Packs the output (capped) and ends the record with the exit code. */
  private async finish(jobId: string, attempt: number, outcome: { exitCode: number; oomKilled: boolean }, log: BuildLogWriter): Promise<void> {
    const update: JobUpdate = { endedAt: '', exitCode: outcome.exitCode, oomKilled: outcome.oomKilled };
    let status: JobStatus = outcome.exitCode === 0 ? 'succeeded' : 'failed';
    if (outcome.oomKilled) update.error = { code: 'oom_killed', message: 'killed for exceeding its memory limit' };
    else if (status === 'failed') update.error = { code: 'exit_code', message: `the program exited with ${outcome.exitCode}` };
    try {
      update.outputBytes = await packDir(this.files.work(jobId).out, this.files.outputTar(jobId), this.options.maxOutputBytes, 'output');
    } catch (err) {
      await rm(this.files.outputTar(jobId), { force: true });
      if (!(err instanceof ArchiveTooLargeError)) throw err;
      status = 'failed';
      update.error = { code: err.code, message: err.message };
    }
    log.line(`[berth] exited with ${outcome.exitCode}${update.outputBytes !== undefined ? `; output ${update.outputBytes} bytes` : ''}`);
    if (update.error?.code === 'output_too_large') log.line(`[berth] ${update.error.message}`);
    await log.flush();
    await this.store.transition(jobId, status, { ...update, endedAt: new Date().toISOString() }, attempt);
  }

  private async fail(
    run: { jobId: string; attempt: number; log: BuildLogWriter; lastTry: boolean; timeoutSeconds: number; redact: (text: string) => string },
    err: unknown,
    handBack: () => Promise<void>,
  ): Promise<void> {
    const { jobId, attempt, log } = run;
    const end = async (status: JobStatus, error: { code: string; message: string }) => {
      log.line(`[berth] job ${status}: ${error.message}`);
      await log.flush();
      await this.store.transition(jobId, status, { endedAt: new Date().toISOString(), error }, attempt);
    };
    if (err instanceof StoppedError) {
      if (err.reason === 'superseded') throw new Error(`attempt ${attempt} of job ${jobId} was taken over by another worker`);
      if (err.reason === 'shutdown') {
        log.line('[berth] worker stopping: the job goes back to the queue');
        await log.flush();
        await this.store.transition(jobId, 'queued', {}, attempt);
        await handBack();
        this.logger.info('job handed back to the queue', { jobId, attempt });
        throw new WaitingError();
      }
      if (err.reason === 'cancelled') return end('cancelled', { code: 'cancelled', message: 'cancelled on request' });
      return end('timeout', { code: 'timeout', message: `killed after timeout_seconds (${run.timeoutSeconds})` });
    }
    // The record's error is shown like the log: a git message may quote a credential.
    const message = run.redact(err instanceof Error ? err.message : String(err));
    const retryable = err instanceof UnavailableError || !(err instanceof AppError);
    if (retryable && !run.lastTry) {
      log.line(`[berth] attempt failed (${message}); it will be retried`);
      await log.flush();
      await this.store.transition(jobId, 'queued', {}, attempt);
      throw err;
    }
    await end('failed', { code: err instanceof AppError ? err.code : 'job_error', message });
    throw new UnrecoverableError(message);
  }

  private async removeStale(jobId: string): Promise<void> {
    const stale = await this.engine.listContainers({ all: true, labels: [`${JOB_LABEL}=${jobId}`, `berth.instance=${this.options.instance}`] });
    for (const c of stale) await this.removeContainer(c.id);
  }

  private async removeContainer(id: string): Promise<void> {
    await this.engine.removeContainer(id, { force: true }).catch((err: unknown) => {
      if ((err as AppError).code !== 'not_found') this.logger.warn('job container not removed', { containerId: id, error: String(err) });
    });
  }
}

function stopped(signal: AbortSignal): void {
  if (signal.aborted) throw new StoppedError(signal.reason as StoppedError['reason']);
}
