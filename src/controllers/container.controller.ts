import type { Request as ExpressRequest } from 'express';
import { Body, Controller, Delete, Get, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { ErrorBody } from '../models/error.model';
import type { ContainerActionResult, ContainerList, ContainerLogs, ContainerView, CreateContainerRequest, CreatedContainer } from '../models/container.model';
import type { ContainerService } from '../services/container.service';
import { clientGone, sendEvents } from '../http/sse';

@Route('api/v1/containers')
@Tags('Containers')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(503, 'Container engine unavailable')
export class ContainerController extends Controller {
  constructor(private readonly containers: ContainerService) {
    super();
  }

  /**
   * Lists containers. Without `all`, only running ones. `label` filters like Docker's
   * (`key` or `key=value`) and may be repeated.
   */
  @Get()
  public async list(@Query() all?: boolean, @Query() label?: string[]): Promise<ContainerList> {
    return this.containers.list(all ?? false, label ?? []);
  }

  /** Creates a container (not started: use `/start`). */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<ErrorBody>(400, 'Invalid input; `field` names it')
  @Response<ErrorBody>(404, 'Image not found')
  @Response<ErrorBody>(409, 'Name or port already taken')
  @Response<ErrorBody>(413, 'Body too large')
  @Response<ErrorBody>(415, 'Body is not JSON')
  public async create(@Body() body: CreateContainerRequest): Promise<CreatedContainer> {
    const created = await this.containers.create(body);
    this.setStatus(201);
    return created;
  }

  /** Inspects a container by id, id prefix or name. */
  @Get('{id}')
  @Response<ErrorBody>(404, 'No such container')
  public async inspect(@Path() id: string): Promise<ContainerView> {
    return this.containers.inspect(id);
  }

  @Post('{id}/start')
  @Response<ErrorBody>(404, 'No such container')
  @Response<ErrorBody>(409, 'A published port is taken')
  public async start(@Path() id: string): Promise<ContainerActionResult> {
    return this.containers.start(id);
  }

  @Post('{id}/stop')
  @Response<ErrorBody>(403, "Berth's own container")
  @Response<ErrorBody>(404, 'No such container')
  public async stop(@Path() id: string): Promise<ContainerActionResult> {
    return this.containers.stop(id);
  }

  @Post('{id}/restart')
  @Response<ErrorBody>(403, "Berth's own container")
  @Response<ErrorBody>(404, 'No such container')
  public async restart(@Path() id: string): Promise<ContainerActionResult> {
    return this.containers.restart(id);
  }

  /** Removes a container, stopping it first unless `force=false` (then a running one answers 409). */
  @Delete('{id}')
  @SuccessResponse(204, 'Removed')
  @Response<ErrorBody>(403, "Berth's own container")
  @Response<ErrorBody>(404, 'No such container')
  @Response<ErrorBody>(409, 'Running and force=false')
  public async remove(@Path() id: string, @Query() force?: boolean): Promise<void> {
    await this.containers.remove(id, force ?? true);
    this.setStatus(204);
  }

  /**
   * Container output. `tail`: lines from the end, or `all`. `since`: Unix seconds, RFC 3339 or
   * a duration (`10m`). With `follow=true` the answer is a Server-Sent Events stream of `log`
   * events, then one `end` event when the container stops.
   */
  @Get('{id}/logs')
  @Response<ErrorBody>(404, 'No such container')
  public async logs(
    @Path() id: string,
    @Request() req: ExpressRequest,
    @Query() tail?: string,
    @Query() since?: string,
    @Query() timestamps?: boolean,
    @Query() follow?: boolean,
  ): Promise<ContainerLogs> {
    const query = { ...(tail !== undefined ? { tail } : {}), ...(since !== undefined ? { since } : {}), timestamps: timestamps ?? false };
    if (follow) {
      const res = req.res!;
      await sendEvents(res, await this.containers.followLogs(id, query, clientGone(res)));
      return { lines: [] };
    }
    return { lines: await this.containers.logs(id, query) };
  }
}
