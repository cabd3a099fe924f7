import { Controller, Delete, Get, Path, Query, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { ErrorBody } from '../models/error.model';
import type { ImageList, ImageView } from '../models/image.model';
import type { NodeService } from '../nodes/node.service';

/** `/api/v1/images` (list, inspect, remove) on a named node. */
@Route('api/v1/nodes/{node}/images')
@Tags('Nodes')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(404, 'No such node, or no such image')
@Response<ErrorBody>(503, 'The node is unavailable (`node_unavailable`, `details.node` names it)')
export class NodeImageController extends Controller {
  constructor(private readonly nodes: NodeService) {
    super();
  }

  /** As `GET /api/v1/images`, on the node. */
  @Get()
  public async list(@Path() node: string, @Query() label?: string[]): Promise<ImageList> {
    return this.nodes.use(node, (s) => s.images.list(label ?? []));
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
}
