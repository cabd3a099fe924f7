import type { Request as ExpressRequest } from 'express';
import { Body, Controller, Delete, Get, Header, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { ErrorBody } from '../models/error.model';
import type { RunList, RunLogs, RunRequest, RunView } from '../models/run.model';
import type { RunService } from '../runs/run.service';
import { clientGone, resumeSeq, sendEvents } from '../http/sse';

@Route('api/v1/runs')
@Tags('Runs')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(503, 'Redis or the engine unavailable')
export class RunController extends Controller {
  constructor(private readonly runs: RunService) {
    super();
  }

  /**
   * Runs a command in an image, once, like `docker run --rm`. Answers 202 with the accepted run.
   * With `wait=true` the answer waits for the end, up to `[runs] max_wait_seconds`: 200 with the
   * ended run, or 202 with the run still going when that time is up.
   */
  @Post()
  @SuccessResponse(202, 'Accepted')
  @Response<RunView>(200, 'Ended (wait=true)')
  @Response<ErrorBody>(400, 'Invalid input; `field` names it')
  @Response<ErrorBody>(404, 'The image is not on the engine')
  public async submit(@Body() body: RunRequest, @Query() wait?: boolean): Promise<RunView> {
    const { ended, run } = await this.runs.submit(body, wait === true);
    this.setStatus(ended ? 200 : 202);
    return run;
  }

  /** Runs, newest first, without their output. */
  @Get()
  @Response<ErrorBody>(400, 'Bad filter')
  public async list(@Query() status?: string, @Query() limit?: number, @Query() offset?: number): Promise<RunList> {
    return this.runs.list(status, limit ?? 50, offset ?? 0);
  }

  /** The run with its status, exit code, duration, and stdout and stderr apart. */
  @Get('{id}')
  @Response<ErrorBody>(404, 'No such run')
  public async get(@Path() id: string): Promise<RunView> {
    return this.runs.get(id);
  }

  /**
   * The run's output as lines, each with its `stream` (`stdout` or `stderr`). With
   * `follow=true`, a Server-Sent Events stream: `log` events (id = line number; reconnect with
   * `Last-Event-ID` to resume) and a final `end` event with the status.
   */
  @Get('{id}/logs')
  @Response<ErrorBody>(404, 'No such run')
  public async logs(@Path() id: string, @Request() req: ExpressRequest, @Query() follow?: boolean, @Header('Last-Event-ID') lastEventId?: string): Promise<RunLogs> {
    if (!follow) return this.runs.logs(id);
    const res = req.res!;
    await sendEvents(res, await this.runs.follow(id, resumeSeq(lastEventId), clientGone(res)));
    return { run_id: id, status: 'queued', lines: [], stdout_truncated: false, stderr_truncated: false };
  }

  /** Kills a queued or running run: it ends `cancelled`, its container removed. Answers the ended run. */
  @Post('{id}/cancel')
  @Response<ErrorBody>(404, 'No such run')
  @Response<ErrorBody>(409, 'Already ended')
  public async cancel(@Path() id: string): Promise<RunView> {
    return this.runs.cancel(id);
  }

  /** Forgets an ended run and its output. */
  @Delete('{id}')
  @SuccessResponse(204, 'Forgotten')
  @Response<ErrorBody>(404, 'No such run')
  @Response<ErrorBody>(409, 'Still running; cancel it first')
  public async remove(@Path() id: string): Promise<void> {
    await this.runs.remove(id);
    this.setStatus(204);
  }
}
