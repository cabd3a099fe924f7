import type { NodeList, NodeView } from '../models/node.model';
import type { DockerodeEngine } from '../engine/dockerode.engine';
import type { ContainerRegistry } from '../services/container-registry.port';
import type { ContainerCommitService } from '../images/container-commit.service';
import type { ImageImportService } from '../images/image-import.service';
import type { ImageTransferService } from '../images/image-transfer.service';
import type { ContainerService } from '../services/container.service';
import type { ImageService } from '../services/image.service';
import type { NodeRegistry } from './node.registry';
import { nodeView } from './node-view';

/** What the node-scoped routes run against: the same services as the unscoped routes, per node. */
export interface NodeServices {
  containers: ContainerService;
  images: ImageService;
  commits: ContainerCommitService;
  imports: ImageImportService;
  /** Pulls, pushes and tags on the node's engine; their operations are one set for every node. */
  transfers: ImageTransferService;
  /** The node's engine and Berth's record of the containers it made there (apps' replicas). */
  engine: DockerodeEngine;
  records: ContainerRegistry;
}

/** The nodes as the API shows them, and the services of one node. */
export class NodeService {
  constructor(private readonly registry: NodeRegistry<NodeServices>) {}

  async list(): Promise<NodeList> {
    return { nodes: (await this.registry.list()).map(nodeView) };
  }

  async get(name: string): Promise<NodeView> {
    return nodeView(await this.registry.get(name));
  }

  /** Each node and whether it answered its last probe (health, metrics). */
  async reachability(): Promise<Array<{ node: string; reachable: boolean; error?: string }>> {
    return (await this.registry.list()).map((s) => ({ node: s.name, reachable: s.reachable === true, ...(s.error ? { error: s.error.message } : {}) }));
  }

  use<T>(node: string, fn: (services: NodeServices) => Promise<T>): Promise<T> {
    return this.registry.use(node, fn);
  }
}
