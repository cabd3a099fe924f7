import { Controller, Get, Path, Response, Route, Security, Tags } from 'tsoa';
import type { ErrorBody } from '../models/error.model';
import type { NodeList, NodeView } from '../models/node.model';
import type { NodeService } from '../nodes/node.service';

@Route('api/v1/nodes')
@Tags('Nodes')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
export class NodeController extends Controller {
  constructor(private readonly nodes: NodeService) {
    super();
  }

  /** Every engine Berth manages, `local` first, with the state its last background probe found. */
  @Get()
  public async list(): Promise<NodeList> {
    return this.nodes.list();
  }

  /** One node by name. */
  @Get('{node}')
  @Response<ErrorBody>(404, 'No such node')
  public async get(@Path() node: string): Promise<NodeView> {
    return this.nodes.get(node);
  }
}
