import type { Request as ExpressRequest } from 'express';
import { Body, Controller, Delete, Get, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { ErrorBody } from '../models/error.model';
import type { CommitContainerRequest, CreatedImage } from '../models/image-import.model';
import type { ContainerActionResult, ContainerList, ContainerLogs, ContainerView, CreateContainerRequest, CreatedContainer } from '../models/container.model';
import type { NodeService } from '../nodes/node.service';
import { clientGone, sendEvents } from '../http/sse';

/** `/api/v1/containers` on a named node: the same service, built over that node's engine. */
@Route('api/v1/nodes/{node}/containers')
@Tags('Nodes')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(404, 'No such node, or no such container')
@Response<ErrorBody>(503, 'The node is unavailable (`node_unavailable`, `details.node` names it)')
export class NodeContainerController extends Controller {
  constructor(private readonly nodes: NodeService) {
    super();
  }

  /** As `GET /api/v1/containers`, on the node. */
  @Get()
  public async list(@Path() node: string, @Query() all?: boolean, @Query() label?: string[]): Promise<ContainerList> {
    return this.nodes.use(node, (s) => s.containers.list(all ?? false, label ?? []));
  }

  /** As `POST /api/v1/containers`: the image must exist on that node. */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<ErrorBody>(400, 'Invalid input; `field` names it')
  @Response<ErrorBody>(409, 'Name or port already taken')
  public async create(@Path() node: string, @Body() body: CreateContainerRequest): Promise<CreatedContainer> {
    const created = await this.nodes.use(node, (s) => s.containers.create(body));
    this.setStatus(201);
    return created;
  }

  @Get('{id}')
  public async inspect(@Path() node: string, @Path() id: string): Promise<ContainerView> {
    return this.nodes.use(node, (s) => s.containers.inspect(id));
  }

  @Post('{id}/start')
  @Response<ErrorBody>(409, 'A published port is taken')
  public async start(@Path() node: string, @Path() id: string): Promise<ContainerActionResult> {
    return this.nodes.use(node, (s) => s.containers.start(id));
  }

  @Post('{id}/stop')
  @Response<ErrorBody>(403, "Berth's own container")
  public async stop(@Path() node: string, @Path() id: string): Promise<ContainerActionResult> {
    return this.nodes.use(node, (s) => s.containers.stop(id));
  }

  @Post('{id}/restart')
  @Response<ErrorBody>(403, "Berth's own container")
  public async restart(@Path() node: string, @Path() id: string): Promise<ContainerActionResult> {
    return this.nodes.use(node, (s) => s.containers.restart(id));
  }

  /** As `DELETE /api/v1/containers/{id}`. */
  @Delete('{id}')
  @SuccessResponse(204, 'Removed')
  @Response<ErrorBody>(403, "Berth's own container")
  @Response<ErrorBody>(409, 'Running and force=false')
  public async remove(@Path() node: string, @Path() id: string, @Query() force?: boolean): Promise<void> {
    await this.nodes.use(node, (s) => s.containers.remove(id, force ?? true));
    this.setStatus(204);
  }

  /** As `POST /api/v1/containers/{id}/commit`: the image is made on the node. */
  @Post('{id}/commit')
  @SuccessResponse(201, 'The image')
  @Response<ErrorBody>(400, 'A bad field: `field` names it (`tag`, `changes.cmd`, ...)')
  @Response<ErrorBody>(409, 'The tag names an image Berth did not make')
  public async commit(@Path() node: string, @Path() id: string, @Body() body: CommitContainerRequest): Promise<CreatedImage> {
    const image = await this.nodes.use(node, (s) => s.commits.commit(id, body));
    this.setStatus(201);
    return image;
  }

  /** As `GET /api/v1/containers/{id}/logs`, `follow=true` included. */
  @Get('{id}/logs')
  public async logs(
    @Path() node: string,
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
      const events = await this.nodes.use(node, (s) => s.containers.followLogs(id, query, clientGone(res)));
      await sendEvents(res, events);
      return { lines: [] };
    }
    return { lines: await this.nodes.use(node, (s) => s.containers.logs(id, query)) };
  }
}
