import type { Request as ExpressRequest } from 'express';
import type { Readable } from 'node:stream';
import { Body, Controller, Delete, Get, Header, Path, Post, Produces, Query, Request, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { JobService } from '../jobs/job.service';
import type { ErrorBody } from '../models/error.model';
import type { JobList, JobLogs, JobRequest, JobUpload, JobView } from '../models/job.model';
import { clientGone, resumeSeq, sendEvents } from '../http/sse';

@Route('api/v1/jobs')
@Tags('Jobs')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(503, 'Redis or the engine unavailable')
export class JobController extends Controller {
  constructor(private readonly jobs: JobService) {
    super();
  }

  /**
   * Keeps a tar sent as the request body (uncompressed, e.g. `tar -C src -cf src.tar .`) for one
   * job to use as its source or input: `curl --data-binary @src.tar -H 'Content-Type: application/x-tar'
   * .../api/v1/jobs/uploads`. Streamed to disk, at most `[jobs] max_upload_bytes`. Unused uploads go after a day.
   */
  @Post('uploads')
  @SuccessResponse(201, 'Kept')
  @Response<ErrorBody>(400, 'Not a tar, or cut short (`field`: `body`)')
  @Response<ErrorBody>(413, 'Larger than `[jobs] max_upload_bytes`')
  @Response<ErrorBody>(415, 'A multipart form: send the tar itself as the body')
  public async upload(@Request() req: ExpressRequest): Promise<JobUpload> {
    const length = req.header('content-length');
    const upload = await this.jobs.upload(req, length !== undefined ? Number(length) : undefined, req.header('content-type'));
    this.setStatus(201);
    return upload;
  }

  /**
   * Runs `main` (or `run`) in `image` over the source at `/app`, the input read-only at
   * `/app/data`, and an empty writable `/app/output`, through the jobs queue and a build worker.
   * Answers 202 with the queued job; nothing is started on a bad request.
   */
  @Post()
  @SuccessResponse(202, 'Accepted')
  @Response<ErrorBody>(400, 'Invalid input; `field` names it (also an unknown upload, or a path outside `[jobs] allowed_roots`)')
  @Response<ErrorBody>(404, 'The image is not on the engine')
  public async create(@Body() body: JobRequest): Promise<JobView> {
    const job = await this.jobs.create(body);
    this.setStatus(202);
    return job;
  }

  /** Jobs, newest first. */
  @Get()
  @Response<ErrorBody>(400, 'Bad filter')
  public async list(@Query() status?: string, @Query() limit?: number, @Query() offset?: number): Promise<JobList> {
    return this.jobs.list(status, limit ?? 50, offset ?? 0);
  }

  /** The job: status (queued, running, succeeded, failed, timeout, cancelled), exit code, times. */
  @Get('{id}')
  @Response<ErrorBody>(404, 'No such job')
  public async get(@Path() id: string): Promise<JobView> {
    return this.jobs.get(id);
  }

  /**
   * The job's log: Berth's own lines (`[berth] ...`) and the program's output. With
   * `follow=true`, Server-Sent Events: `log` events (id = line number; `Last-Event-ID` resumes)
   * and a final `end` event with the status.
   */
  @Get('{id}/logs')
  @Response<ErrorBody>(404, 'No such job')
  public async logs(@Path() id: string, @Request() req: ExpressRequest, @Query() follow?: boolean, @Header('Last-Event-ID') lastEventId?: string): Promise<JobLogs> {
    if (!follow) return this.jobs.logs(id);
    const res = req.res!;
    await sendEvents(res, await this.jobs.follow(id, resumeSeq(lastEventId), clientGone(res)));
    return { job_id: id, status: 'queued', lines: [], log_truncated: false };
  }

  /** What the job wrote to `/app/output`, as a tar (links kept as links), once it ended. */
  @Get('{id}/output')
  @Produces('application/x-tar')
  @Response<ErrorBody>(404, 'No such job')
  @Response<ErrorBody>(409, 'Not ended yet, or ended without an output (e.g. `output_too_large`, cancelled)')
  public async output(@Path() id: string): Promise<Readable> {
    const { stream, bytes } = await this.jobs.output(id);
    this.setHeader('Content-Type', 'application/x-tar');
    this.setHeader('Content-Length', String(bytes));
    this.setHeader('Content-Disposition', `attachment; filename="job-${id}-output.tar"`);
    return stream;
  }

  /** Kills a queued or running job: it ends `cancelled`. Answers the job (ended, unless its worker is slow to stop it). */
  @Post('{id}/cancel')
  @Response<ErrorBody>(404, 'No such job')
  @Response<ErrorBody>(409, 'Already ended')
  public async cancel(@Path() id: string): Promise<JobView> {
    return this.jobs.cancel(id);
  }

  /** Forgets an ended job, its log and its files. */
  @Delete('{id}')
  @SuccessResponse(204, 'Forgotten')
  @Response<ErrorBody>(404, 'No such job')
  @Response<ErrorBody>(409, 'Still queued or running; cancel it first')
  public async remove(@Path() id: string): Promise<void> {
    await this.jobs.remove(id);
    this.setStatus(204);
  }
}
