import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Logger } from 'winston';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors';
import type { ServerSentEvent } from '../http/sse';
import type { JobList, JobLogs, JobRequest, JobUpload, JobView } from '../models/job.model';
import { followLog } from '../services/log-follow';
import type { JobFiles } from './job-files';
import type { JobQueue } from './job-queue.port';
import type { SecretBox } from '../builds/secret-box';
import { jobGitCredentials, validateJobRequest, type JobLimits } from './job-request';
import { isValidJobId } from './job.job';
import { JOB_STATUSES, isJobEnded, type JobRecord, type JobSpec, type JobStatus, type JobStore } from './job.record';
import { toJobView } from './job.view';
import { allowedHostPath } from './host-path';

export interface JobServiceOptions extends JobLimits {
  maxUploadBytes: number;
  allowedRoots: readonly string[];
  defaultMemoryBytes?: number;
  defaultNanoCpus?: number;
  followPollMs: number;
  /** How long `cancel` waits for the worker to end the job before answering. */
  cancelWaitMs: number;
  newId?: () => string;
}

/** The API's side of jobs: uploads, accepting jobs into the queue, their state, logs and output. */
export class JobService {
  constructor(
    private readonly store: JobStore,
    private readonly queue: JobQueue,
    private readonly files: JobFiles,
    private readonly engine: { inspectImage(ref: string): Promise<unknown> },
    private readonly secretBox: SecretBox,
    private readonly options: JobServiceOptions,
    private readonly logger: Logger,
  ) {}

  async upload(body: Readable, declaredBytes?: number, type?: string): Promise<JobUpload> {
    if (type !== undefined && /^multipart\//i.test(type)) {
      body.resume();
      throw new AppError('unsupported_media_type', 'send the tar itself as the body (curl --data-binary @src.tar), not a multipart form');
    }
    const { id, bytes } = await this.files.saveUpload(body, this.options.maxUploadBytes, declaredBytes);
    return { upload_id: id, size_bytes: bytes };
  }

  /** Validates, checks the uploads, paths and image, moves the uploads into the job's folder and queues it. */
  async create(req: JobRequest): Promise<JobView> {
    const spec = validateJobRequest(req, this.options, (this.options.newId ?? randomUUID)());
    const git = jobGitCredentials(req);
    if (spec.memoryBytes === undefined && this.options.defaultMemoryBytes) spec.memoryBytes = this.options.defaultMemoryBytes;
    if (spec.nanoCpus === undefined && this.options.defaultNanoCpus) spec.nanoCpus = this.options.defaultNanoCpus;
    if (spec.source.kind === 'path') spec.source.path = await allowedHostPath(spec.source.path, this.options.allowedRoots, 'source.path');
    if (spec.input?.kind === 'path') spec.input.path = await allowedHostPath(spec.input.path, this.options.allowedRoots, 'input.path');
    const sourceUpload = req.source.upload_id;
    const inputUpload = req.input?.upload_id;
    if (sourceUpload !== undefined && sourceUpload === inputUpload) throw new ValidationError('source and input must be different uploads', 'input.upload_id');
    if (sourceUpload !== undefined && !(await this.files.exists(sourceUpload))) throw new ValidationError('no such upload (or it was used already)', 'source.upload_id');
    if (inputUpload !== undefined && !(await this.files.exists(inputUpload))) throw new ValidationError('no such upload (or it was used already)', 'input.upload_id');
    await this.engine.inspectImage(spec.image).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'not_found') throw new NotFoundError('image', spec.image, 'image');
      throw err;
    });
    await this.takeUploads(spec, sourceUpload, inputUpload);
    const createdAt = new Date().toISOString();
    await this.store.create(spec, createdAt, git ? this.secretBox.seal(spec.id, JSON.stringify(git)) : undefined);
    await this.queue.enqueue(spec.id);
    this.logger.info('job accepted', { jobId: spec.id, image: spec.image, source: spec.source.kind });
    return this.get(spec.id);
  }

  async get(id: string): Promise<JobView> {
    return toJobView(await this.find(id));
  }

  async list(status: string | undefined, limit: number, offset: number): Promise<JobList> {
    if (status !== undefined && !JOB_STATUSES.includes(status as JobStatus)) throw new ValidationError(`status must be one of ${JOB_STATUSES.join(', ')}`, 'status');
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new ValidationError('limit must be 1-200', 'limit');
    if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('offset must be 0 or more', 'offset');
    const { records, total } = await this.store.list({ ...(status ? { status: status as JobStatus } : {}), limit, offset });
    return { jobs: records.map(toJobView), total, limit, offset };
  }

  async logs(id: string): Promise<JobLogs> {
    const record = await this.find(id);
    return { job_id: id, status: record.status, lines: await this.store.readLog(id, 0), log_truncated: record.logTruncated };
  }

  /** The log as SSE `log` events, then `end`: the builds' conventions. */
  async follow(id: string, fromSeq: number, signal: AbortSignal): Promise<AsyncIterable<ServerSentEvent>> {
    await this.find(id);
    return followLog(this.store, id, (r) => isJobEnded(r.status), { fromSeq, signal, pollMs: this.options.followPollMs });
  }

  /** The output folder as a tar, once the job ended. */
  async output(id: string): Promise<{ stream: Readable; bytes: number }> {
    const record = await this.find(id);
    if (!isJobEnded(record.status)) throw new ConflictError('state_conflict', `job ${id} is ${record.status}: its output is ready once it ends`);
    if (record.outputBytes === undefined) {
      const why = record.error ? `: ${record.error.message}` : '';
      throw new ConflictError('state_conflict', `job ${id} ended ${record.status} without an output${why}`);
    }
    const stream = createReadStream(this.files.outputTar(id));
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', () => reject(new ConflictError('state_conflict', `the output of job ${id} is gone`)));
    });
    return { stream, bytes: record.outputBytes };
  }

  /** Ends a job: taken off the queue if waiting, killed by its worker if running. Answers once it ended, or after `cancelWaitMs`. */
  async cancel(id: string): Promise<JobView> {
    const record = await this.find(id);
    if (isJobEnded(record.status)) throw new ConflictError('state_conflict', `job ${id} already ended (${record.status})`);
    await this.store.requestCancel(id);
    if (await this.queue.removeIfWaiting(id)) {
      await this.store.transition(id, 'cancelled', { endedAt: new Date().toISOString(), error: { code: 'cancelled', message: 'cancelled on request' } });
      await this.store.expire(id);
    }
    const deadline = Date.now() + this.options.cancelWaitMs;
    let latest = await this.find(id);
    while (!isJobEnded(latest.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, this.options.followPollMs));
      latest = await this.find(id);
    }
    return toJobView(latest);
  }

  /** Forgets an ended job, its log and its files. */
  async remove(id: string): Promise<void> {
    const record = await this.find(id);
    if (!isJobEnded(record.status)) throw new ConflictError('state_conflict', `job ${id} is ${record.status}; cancel it first`);
    if (!(await this.queue.forget(id))) throw new ConflictError('state_conflict', `job ${id} is still being wound up by its worker; try again`);
    await this.store.remove(id);
    await this.files.remove(id);
  }

  private async takeUploads(spec: JobSpec, sourceUpload?: string, inputUpload?: string): Promise<void> {
    if (sourceUpload !== undefined && !(await this.files.takeUpload(sourceUpload, spec.id, this.files.sourceTar(spec.id)))) {
      throw new ValidationError('no such upload (or it was used already)', 'source.upload_id');
    }
    if (inputUpload !== undefined && !(await this.files.takeUpload(inputUpload, spec.id, this.files.inputTar(spec.id)))) {
      await this.files.remove(spec.id);
      throw new ValidationError('no such upload (or it was used already)', 'input.upload_id');
    }
  }

  private async find(id: string): Promise<JobRecord> {
    const record = isValidJobId(id) ? await this.store.get(id) : undefined;
    if (!record) throw new NotFoundError('job', id);
    return record;
  }
}
