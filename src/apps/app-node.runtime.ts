import type { ReleaseStore } from '../deploys/deployment.record';
import { NotFoundError } from '../errors';
import type { Prober } from '../deploys/http-probe';
import type { NodeServices } from '../nodes/node.service';
import { AppCleanup } from './app-cleanup';
import { EngineReplicaReader, type ReplicaStateReader } from './app-replica.reader';
import type { ContainerEngine } from '../engine/engine.port';

/** What app runtime needs of a node's engine. */
export type RuntimeEngine = Pick<ContainerEngine, 'containerLogs' | 'inspectContainer' | 'startContainer' | 'stopContainer'>;

/** The replicas and engine of one node, as an app's runtime acts on them. */
export interface AppNodeRuntime {
  reader: ReplicaStateReader;
  engine: RuntimeEngine;
}

/** The runtime of a node other than `local`, by name; rejects with 404 or 503 (`node_unavailable`) naming it. */
export type AppNodeRuntimes = (node: string) => Promise<AppNodeRuntime>;

/** What the app side needs of the nodes' registry: a node's services, or 404/503 naming it. */
export interface NodeUse {
  use<T>(node: string, fn: (services: NodeServices) => Promise<T>): Promise<T>;
}

export interface AppNodesOptions {
  instance: string;
  probe: Prober;
  releases: Pick<ReleaseStore, 'get'>;
  /** Each node's replica address (`replicaAddress`). */
  addresses: ReadonlyMap<string, string | undefined>;
}

export interface AppNodes {
  runtime: AppNodeRuntimes;
  /** The clean-up of the app's containers and volumes on one node. */
  cleanup: (node: string) => Promise<AppCleanup | undefined>;
}

/**
 * Per node, the replica reader and clean-up over that node's engine and container records (made
 * once, on first use). A node known to be down answers 503 at once, without a call to it.
 */
export function appNodes(nodes: NodeUse, options: AppNodesOptions): AppNodes {
  const made = new Map<string, AppNodeRuntime & { cleanup: AppCleanup }>();
  const of = (node: string) =>
    nodes.use(node, async (s) => {
      let entry = made.get(node);
      if (!entry) {
        const address = options.addresses.get(node);
        const reader = new EngineReplicaReader(s.engine, s.records, options.releases, {
          instance: options.instance,
          probe: options.probe,
          ...(address !== undefined ? { address } : {}),
        });
        entry = { reader, engine: s.engine, cleanup: new AppCleanup(s.engine, s.records, options.instance) };
        made.set(node, entry);
      }
      return entry;
    });
  return {
    runtime: async (node) => {
      const { reader, engine } = await of(node);
      return { reader, engine };
    },
    cleanup: async (node) => {
      try {
        return (await of(node)).cleanup;
      } catch (err) {
        // A node taken out of the configuration: nothing of the app there is reachable any more.
        if (err instanceof NotFoundError && err.field === 'node') return undefined;
        throw err;
      }
    },
  };
}
