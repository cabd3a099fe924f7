import type { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { BerthConfig, NodeConfig } from '../config/config.schema';
import { DockerodeEngine } from '../engine/dockerode.engine';
import type { ReleaseImages } from '../deploys/release-images';
import { RedisContainerRegistry } from '../redis/redis-container.registry';
import { ContainerCommitService } from '../images/container-commit.service';
import { ImageImportService } from '../images/image-import.service';
import { RedisImageOperationStore } from '../images/redis-image-operation.store';
import type { ContainerRegistry } from '../services/container-registry.port';
import { ContainerService } from '../services/container.service';
import { ImageService } from '../services/image.service';
import { dockerodeProbe } from './dockerode-node.probe';
import { nodeConnection } from './node-connection';
import { NodeRegistry, type NodeEntry } from './node.registry';
import { NodeService, type NodeServices } from './node.service';

/** Probe periods: a node that answers is read every 10 s; one that is down is tried every 2 s. */
const UP_INTERVAL_MS = 10_000;
const DOWN_INTERVAL_MS = 2_000;
/** Just after start, a listing waits this long at most for the first probes (a dead node's take its whole deadline). */
const FIRST_ROUND_WAIT_MS = 2_000;

export interface LocalNode {
  engine: DockerodeEngine;
  /** The services of the unscoped routes: `/nodes/local/...` is the same as `/...`. */
  services: Pick<NodeServices, 'containers' | 'images' | 'transfers'>;
  /** Berth's record of the containers it created on `local`. */
  records: ContainerRegistry;
}

export interface ComposedNodes {
  nodes: NodeService;
  stop(): void;
}

/**
 * The node registry: `local` is the `[docker]` engine with the API's own services; every
 * `[[nodes]]` entry gets its engine and services of its own, its container records kept apart
 * (`<prefix>:containers:<instance>:node:<name>`). Throws, naming every unreadable file, at start-up.
 */
export function composeNodes(config: BerthConfig, redis: Redis, local: LocalNode, logger: Logger, releases?: ReleaseImages): ComposedNodes {
  const log = logger.child({ component: 'nodes' });
  const localEntry: NodeEntry<NodeServices> = {
    name: 'local',
    runtime: config.docker.runtime,
    address: `unix://${config.docker.socket_path}`,
    probe: dockerodeProbe(local.engine.docker),
    probeTimeoutMs: config.docker.timeout_seconds * 1000,
    services: { ...local.services, ...imageMaking(config, local.engine, local.records, log), engine: local.engine, records: local.records },
  };
  const problems: string[] = [];
  const remote = config.nodes.flatMap((node) => {
    try {
      return [remoteEntry(config, redis, node, { log, transfers: local.services.transfers }, releases)];
    } catch (err) {
      problems.push((err as Error).message.replace(/^cannot use the configured nodes:\n\s*/, ''));
      return [];
    }
  });
  if (problems.length > 0) throw new Error(`cannot use the configured nodes:\n  ${problems.join('\n  ')}`);
  const registry = new NodeRegistry(
    [localEntry, ...remote],
    { upIntervalMs: UP_INTERVAL_MS, downIntervalMs: DOWN_INTERVAL_MS, firstRoundWaitMs: FIRST_ROUND_WAIT_MS },
    log,
  );
  registry.start();
  return { nodes: new NodeService(registry), stop: () => registry.stop() };
}

function remoteEntry(
  config: BerthConfig,
  redis: Redis,
  node: NodeConfig,
  { log: logger, transfers }: { log: Logger; transfers: NodeServices['transfers'] },
  releases?: ReleaseImages,
): NodeEntry<NodeServices> {
  const connection = nodeConnection(node);
  const timeoutMs = node.timeout_seconds * 1000;
  const engine = new DockerodeEngine({ socketPath: connection.address, connection: connection.docker, runtime: node.runtime, timeoutMs });
  const owner = { instance: config.server.instance, manageAll: config.containers.manage_all };
  const records = new RedisContainerRegistry(redis, { prefix: config.redis.prefix, instance: `${config.server.instance}:node:${node.name}` });
  const child = logger.child({ node: node.name });
  // The images pulled on this node are Berth's on this node only.
  const pulled = new RedisImageOperationStore(redis, {
    prefix: config.redis.prefix,
    logMaxBytes: config.images.log_max_bytes,
    retentionSeconds: Math.round(config.images.retention_hours * 3600),
    node: node.name,
  });
  const images = new ImageService(engine, owner, child, releases, pulled);
  return {
    name: node.name,
    runtime: node.runtime,
    address: connection.address,
    probe: dockerodeProbe(engine.docker),
    probeTimeoutMs: timeoutMs,
    services: {
      containers: new ContainerService(engine, records, { ...owner, stopTimeoutSeconds: config.containers.stop_timeout_seconds }, child),
      images,
      transfers: transfers.onNode(node.name, { engine, images, pulled }, child.child({ component: 'image-transfers' })),
      ...imageMaking(config, engine, records, child),
      engine,
      records,
    },
    close: () => connection.close(),
  };
}

/** Imports and commits on one node's engine, with the same limits and ownership rules as `local`'s. */
function imageMaking(config: BerthConfig, engine: DockerodeEngine, records: ContainerRegistry, logger: Logger): Pick<NodeServices, 'commits' | 'imports'> {
  const owner = { instance: config.server.instance, manageAll: config.containers.manage_all };
  return {
    imports: new ImageImportService(engine, { ...owner, maxImportBytes: config.images.max_import_bytes }, logger.child({ component: 'image-import' })),
    commits: new ContainerCommitService(engine, records, owner, logger.child({ component: 'container-commit' })),
  };
}
