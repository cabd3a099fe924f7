import type { Request as ExpressRequest } from 'express';
import { Body, Controller, Delete, Get, Header, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import { NotFoundError } from '../errors';
import { clientGone, resumeSeq, sendEvents } from '../http/sse';
import type { ErrorBody } from '../models/error.model';
import type { ImageList, ImageView } from '../models/image.model';
import type { CreatedImage } from '../models/image-import.model';
import type { ImageOperationLogs, ImageOperationView, ImagePullRequest, ImagePushRequest, ImageTagRequest } from '../models/image-transfer.model';
import type { ImageTransferService } from '../images/image-transfer.service';
import type { NodeService } from '../nodes/node.service';

/**
 * `/api/v1/images` (list, inspect, remove, import, pull, push, tag) on a named node. A pull's or
 * push's operation is read, followed and cancelled at `/api/v1/images/operations/{id}`, whatever
 * its node (its `node` names it), or under its node's path.
 */
@Route('api/v1/nodes/{node}/images')
@Tags('Nodes')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(404, 'No such node, or no such image')
@Response<ErrorBody>(503, 'The node is unavailable (`node_unavailable`, `details.node` names it)')
export class NodeImageController extends Controller {
  constructor(
    private readonly nodes: NodeService,
    /** The operations of every node (one store; ids are global). */
    private readonly transfers: ImageTransferService,
  ) {
    super();
  }

  /** As `GET /api/v1/images`, on the node. */
  @Get()
  public async list(@Path() node: string, @Query() label?: string[]): Promise<ImageList> {
    return this.nodes.use(node, (s) => s.images.list(label ?? []));
  }

  /**
   * As `POST /api/v1/images/import`: the body (a tar or tar.gz root filesystem) is streamed to the
   * node's engine. Same parameters and limits.
   */
  @Post('import')
  @SuccessResponse(201, 'The image')
  @Response<ErrorBody>(400, 'A bad parameter (`field` names it), or a body that is not a tar or tar.gz (`field`: `rootfs`)')
  @Response<ErrorBody>(409, 'The tag names an image Berth did not make')
  @Response<ErrorBody>(413, 'The body, or what it unpacks to, is larger than `[images] max_import_bytes`: no image is made')
  public async importRootfs(
    @Path() node: string,
    @Request() req: ExpressRequest,
    @Query() tag?: string,
    @Query() cmd?: string,
    @Query() env?: string[],
    @Query() workdir?: string,
    @Query() expose?: string[],
    @Query() message?: string,
  ): Promise<CreatedImage> {
    const length = req.header('content-length');
    const type = req.header('content-type');
    const upload = { ...(length !== undefined ? { bytes: Number(length) } : {}), ...(type !== undefined ? { type } : {}) };
    const image = await this.nodes
      .use(node, (s) => s.imports.import(req, { tag, cmd, env, workdir, expose, message }, upload))
      .catch((err: unknown) => {
        // Refused before the service read it (unknown or down node): drain the upload, so the answer reaches the client.
        if (!req.readableEnded) req.resume();
        throw err;
      });
    this.setStatus(201);
    return image;
  }

  /** As `GET /api/v1/images/{ref}`; a `/` inside `ref` is sent as `%2F`. */
  @Get('{ref}')
  @Response<ErrorBody>(400, 'Not an image reference')
  public async inspect(@Path() node: string, @Path() ref: string): Promise<ImageView> {
    return this.nodes.use(node, (s) => s.images.inspect(ref));
  }

  /** As `DELETE /api/v1/images/{ref}`. */
  @Delete('{ref}')
  @SuccessResponse(204, 'Removed')
  @Response<ErrorBody>(400, 'Not an image reference')
  @Response<ErrorBody>(409, 'Used by a container, or an id with several tags, and force=false')
  public async remove(@Path() node: string, @Path() ref: string, @Query() force?: boolean): Promise<void> {
    await this.nodes.use(node, (s) => s.images.remove(ref, force ?? false));
    this.setStatus(204);
  }

  /**
   * As `POST /api/v1/images/pull`, onto the node's engine, with the same `[registries]` credentials.
   * The image is Berth's on this node only.
   */
  @Post('pull')
  @SuccessResponse(202, 'Pulling')
  @Response<ErrorBody>(400, 'Not an image reference or platform; `field` names it')
  public async pull(@Path() node: string, @Body() body: ImagePullRequest): Promise<ImageOperationView> {
    const operation = await this.nodes.use(node, (s) => s.transfers.pull(body));
    this.setStatus(202);
    return operation;
  }

  /**
   * As `POST /api/v1/images/{ref}/push`, from the node's engine.
   * @param ref A tag of the image, or (with `target`) any reference inspect takes; a `/` inside it is sent as `%2F`.
   */
  @Post('{ref}/push')
  @SuccessResponse(202, 'Pushing')
  @Response<ErrorBody>(400, 'Not a reference, or no tag to push; `field` names it')
  public async push(@Path() node: string, @Path() ref: string, @Body() body?: ImagePushRequest): Promise<ImageOperationView> {
    const operation = await this.nodes.use(node, (s) => s.transfers.push(ref, body ?? {}));
    this.setStatus(202);
    return operation;
  }

  /**
   * As `POST /api/v1/images/{ref}/tag`, on the node's engine.
   * @param ref As for inspect; a `/` inside it is sent as `%2F`.
   */
  @Post('{ref}/tag')
  @SuccessResponse(201, 'Tagged')
  @Response<ErrorBody>(400, 'Not a tag; `field` names it')
  public async tag(@Path() node: string, @Path() ref: string, @Body() body: ImageTagRequest): Promise<ImageView> {
    const image = await this.nodes.use(node, (s) => s.transfers.tag(ref, body));
    this.setStatus(201);
    return image;
  }

  /** As `GET /api/v1/images/operations/{id}`, for an operation of this node; answered while the node is down. */
  @Get('operations/{id}')
  @Response<ErrorBody>(404, 'No such node, or no such operation on it')
  public async operation(@Path() node: string, @Path() id: string): Promise<ImageOperationView> {
    return this.ofNode(node, id);
  }

  /** As `POST /api/v1/images/operations/{id}/cancel`, for an operation of this node. */
  @Post('operations/{id}/cancel')
  @Response<ErrorBody>(404, 'No such node, or no such operation on it')
  @Response<ErrorBody>(409, 'The operation already ended (`state_conflict`)')
  public async cancel(@Path() node: string, @Path() id: string): Promise<ImageOperationView> {
    await this.ofNode(node, id);
    return this.transfers.cancel(id);
  }

  /** As `GET /api/v1/images/operations/{id}/logs`, for an operation of this node. */
  @Get('operations/{id}/logs')
  @Response<ErrorBody>(404, 'No such node, or no such operation on it')
  public async logs(
    @Path() node: string,
    @Path() id: string,
    @Request() req: ExpressRequest,
    @Query() follow?: boolean,
    @Header('Last-Event-ID') lastEventId?: string,
  ): Promise<ImageOperationLogs> {
    await this.ofNode(node, id);
    if (!follow) return this.transfers.logs(id);
    const res = req.res!;
    await sendEvents(res, await this.transfers.follow(id, resumeSeq(lastEventId), clientGone(res)));
    return { operation_id: id, status: 'running', lines: [], truncated: false };
  }

  /** The operation, when the node exists and ran it: another node's answers 404 here. */
  private async ofNode(node: string, id: string): Promise<ImageOperationView> {
    await this.nodes.get(node);
    const operation = await this.transfers.operation(id);
    if (operation.node !== node) throw new NotFoundError('image operation', id);
    return operation;
  }
}
