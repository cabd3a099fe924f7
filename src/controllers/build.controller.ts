import type { Request as ExpressRequest } from 'express';
import { Body, Controller, Delete, Get, Header, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { BuildList, BuildLogs, BuildRequest, BuildView } from '../models/build.model';
import type { ErrorBody } from '../models/error.model';
import type { BuildService } from '../services/build.service';
import { clientGone, resumeSeq, sendEvents } from '../http/sse';

@Route('api/v1')
@Tags('Builds')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(503, 'Redis unavailable')
export class BuildController extends Controller {
  constructor(private readonly builds: BuildService) {
    super();
  }

  /**
   * Queues a build of a git repository. Answers 202 with the queued build; resubmitting an
   * existing `id` answers 200 with that build and queues nothing.
   */
  @Post('images/build')
  @SuccessResponse(202, 'Queued')
  @Response<BuildView>(200, 'A build with this id exists already')
  @Response<ErrorBody>(400, 'Invalid input; `field` names it')
  public async submit(@Body() body: BuildRequest): Promise<BuildView> {
    const { created, build } = await this.builds.submit(body);
    this.setStatus(created ? 202 : 200);
    return build;
  }

  /** Builds, newest first. */
  @Get('builds')
  @Response<ErrorBody>(400, 'Bad filter')
  public async list(@Query() status?: string, @Query() limit?: number, @Query() offset?: number): Promise<BuildList> {
    return this.builds.list(status, limit ?? 50, offset ?? 0);
  }

  @Get('builds/{id}')
  @Response<ErrorBody>(404, 'No such build')
  public async get(@Path() id: string): Promise<BuildView> {
    return this.builds.get(id);
  }

  /**
   * The build's log. With `follow=true`, a Server-Sent Events stream: `log` events (id = line
   * number; reconnect with `Last-Event-ID` to resume) and a final `end` event with the status.
   */
  @Get('builds/{id}/logs')
  @Response<ErrorBody>(404, 'No such build')
  public async logs(@Path() id: string, @Request() req: ExpressRequest, @Query() follow?: boolean, @Header('Last-Event-ID') lastEventId?: string): Promise<BuildLogs> {
    if (!follow) return this.builds.logs(id);
    const res = req.res!;
    await sendEvents(res, await this.builds.follow(id, resumeSeq(lastEventId), clientGone(res)));
    return { build_id: id, status: 'queued', lines: [], truncated: false };
  }

  /** Cancels a queued or running build (its build container included). */
  @Post('builds/{id}/cancel')
  @SuccessResponse(202, 'Cancelling')
  @Response<ErrorBody>(404, 'No such build')
  @Response<ErrorBody>(409, 'Already finished')
  public async cancel(@Path() id: string): Promise<BuildView> {
    const build = await this.builds.cancel(id);
    this.setStatus(202);
    return build;
  }

  /** Forgets a finished build and its log. */
  @Delete('builds/{id}')
  @SuccessResponse(204, 'Forgotten')
  @Response<ErrorBody>(404, 'No such build')
  @Response<ErrorBody>(409, 'Still running')
  public async remove(@Path() id: string): Promise<void> {
    await this.builds.remove(id);
    this.setStatus(204);
  }
}
