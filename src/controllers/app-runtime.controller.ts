import type { Request as ExpressRequest } from 'express';
import { Controller, Get, Header, Path, Post, Query, Request, Response, Route, Security, Tags } from 'tsoa';
import type { AppRuntimeService } from '../apps/app-runtime.service';
import { clientGone, sendEvents } from '../http/sse';
import type { AppLogs, AppRuntimeResult, AppStatusView } from '../models/app-runtime.model';
import type { ErrorBody } from '../models/error.model';

@Route('api/v1/apps')
@Tags('Apps')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(404, 'No such app')
@Response<ErrorBody>(503, 'Container engine or Redis unavailable')
export class AppRuntimeController extends Controller {
  constructor(private readonly runtime: AppRuntimeService) {
    super();
  }

  /**
   * The app's status (`new`, `deploying`, `running`, `degraded`, `crashed`, `stopped`) and each
   * replica's state, restarts and address. Running live replicas are probed once on the app's
   * health path (at most 2 s).
   */
  @Get('{name}/status')
  public async status(@Path() name: string): Promise<AppStatusView> {
    return this.runtime.status(name);
  }

  /**
   * Output of the live release's replicas, each line tagged with its replica and merged by time
   * (at most 10,000 lines; `truncated` says when older ones were left out). `tail`: lines from the
   * end, or `all`. `since`: Unix seconds, RFC 3339 or a duration (`10m`). With `follow=true` (or
   * `Accept: text/event-stream`) the answer is a Server-Sent Events stream of `log` events as the
   * replicas print, then one `end` event with each replica's state once all have stopped.
   */
  @Get('{name}/logs')
  @Response<ErrorBody>(400, 'Bad `tail` or `since`')
  public async logs(
    @Path() name: string,
    @Request() req: ExpressRequest,
    @Query() tail?: string,
    @Query() since?: string,
    @Query() follow?: boolean,
    @Header('Accept') accept?: string,
  ): Promise<AppLogs> {
    const query = { ...(tail !== undefined ? { tail } : {}), ...(since !== undefined ? { since } : {}) };
    if (follow ?? accept?.includes('text/event-stream')) {
      const res = req.res!;
      await sendEvents(res, await this.runtime.followLogs(name, query, clientGone(res)));
      return { app: name, lines: [], truncated: false };
    }
    return this.runtime.logs(name, query);
  }

  /**
   * Stops the app: its domains leave the proxy and its live replicas get SIGTERM, then SIGKILL
   * after its `drain_seconds`. Stopping a stopped app answers 200 with `changed: false`.
   */
  @Post('{name}/stop')
  @Response<ErrorBody>(409, 'A deployment of the app is under way')
  public async stop(@Path() name: string): Promise<AppRuntimeResult> {
    return this.runtime.stop(name);
  }

  /**
   * Starts a stopped app: its live replicas start, must pass the health check within
   * `gate_seconds`, then its domains are routed to them again. Starting a running app answers 200
   * with `changed: false`. If the replicas fail the check, they are stopped again and the answer
   * is 502 `app_unhealthy` with the probe results in `details.log`.
   */
  @Post('{name}/start')
  @Response<ErrorBody>(409, 'A deployment of the app is under way, or its containers are gone')
  @Response<ErrorBody>(502, 'The replicas did not pass the health check')
  public async start(@Path() name: string): Promise<AppRuntimeResult> {
    return this.runtime.start(name);
  }
}
