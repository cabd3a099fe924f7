import { QueueEvents, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { BuildStore } from '../src/builds/build.record';
import type { SecretBox } from '../src/builds/secret-box';
import type { BerthConfig } from '../src/config/config.schema';
import { ReleaseRunner, type ReleaseEngine } from '../src/deploys/release.runner';
import type { ContainerEngine } from '../src/engine/engine.port';
import { BullBuildQueue } from '../src/queue/bullmq-build.queue';
import { DEPLOY_QUEUE } from '../src/deploys/bullmq-deploy.queue';
import { RedisContainerRegistry } from '../src/redis/redis-container.registry';
import { BuildService } from '../src/services/build.service';
import { SHUTDOWN } from './build-attempt';
import { ServiceBuildBridge } from './build-bridge';
import { DeployProcessor, type DeployPorts } from './deploy.processor';
import type { DeployNode } from './deploy-run';
import { publishIp, replicaAddress } from '../src/nodes/node-address';

/** What the worker process shares with the deploy worker, and the deploy settings. */
export interface DeployWorkerDeps {
  config: BerthConfig;
  logger: Logger;
  /** The worker process's connection (BullMQ needs `maxRetriesPerRequest: null`). */
  redis: Redis;
  engine: ReleaseEngine & Pick<ContainerEngine, 'inspectImage'>;
  buildStore: BuildStore;
  secretBox: SecretBox;
  ports: DeployPorts;
  /** `[deploy] concurrency` and `[deploy] releases_kept`. */
  concurrency: number;
  releasesKept: number;
  /** The engines of `[[nodes]]`, by name: apps naming a node run there. */
  nodeEngines?: ReadonlyMap<string, ReleaseEngine & Pick<ContainerEngine, 'inspectImage' | 'ping'>>;
}

export interface DeployWorker {
  start(): Promise<void>;
  /** Stops taking jobs and hands running deployments back to the queue, as the build worker does. */
  close(force?: boolean): Promise<void>;
}

/** The second BullMQ worker of the worker process: one job = one deployment. */
export function composeDeployWorker(deps: DeployWorkerDeps): DeployWorker {
  const { config, logger, redis, ports } = deps;
  const log = logger.child({ component: 'deploy' });
  const buildQueue = new BullBuildQueue(redis, {
    prefix: config.redis.prefix,
    attempts: config.build.attempts,
    retentionSeconds: Math.round(config.build.retention_hours * 3600),
  });
  const builds = new BuildService(
    deps.buildStore,
    buildQueue,
    {
      allowFileUrls: config.git.allow_file_urls,
      allowedHosts: config.git.allowed_hosts,
      followPollMs: 500,
      secretBox: deps.secretBox,
      nodes: config.nodes.map((n) => n.name),
    },
    log,
  );
  const registry = new RedisContainerRegistry(redis, { prefix: config.redis.prefix, instance: config.server.instance });
  const processor = new DeployProcessor(
    {
      ...ports,
      runner: new ReleaseRunner(deps.engine, registry, { instance: config.server.instance }, log),
      images: deps.engine,
      builds: new ServiceBuildBridge(builds, deps.buildStore),
      nodes: deployNodes(deps, redis, log),
    },
    { releasesKept: deps.releasesKept, cancelPollMs: 500, stageTimeoutMs: 30_000, stopSeconds: 10 },
    log,
  );
  const shutdown = new AbortController();
  const run = (job: Job, token?: string, signal?: AbortSignal) => processor.process(job, token, signal ? AbortSignal.any([shutdown.signal, signal]) : shutdown.signal);
  const worker = new Worker(DEPLOY_QUEUE, run, {
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: deps.concurrency,
    lockDuration: config.build.lock_seconds * 1000,
    stalledInterval: config.build.lock_seconds * 1000,
    maxStalledCount: config.build.max_stalled,
    autorun: false,
  });
  worker.on('error', (err) => log.error('deploy worker error', { error: err.message }));
  worker.on('stalled', (jobId) => log.warn('deployment taken up again after its worker stopped', { deploymentId: jobId }));
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const jobId of jobIds) worker.cancelJob(jobId, 'lock_lost');
  });
  // Jobs BullMQ fails by itself (stalled too often) never reach the processor: record them here.
  const eventsConnection = redis.duplicate();
  eventsConnection.on('error', () => undefined);
  const events = new QueueEvents(DEPLOY_QUEUE, { connection: eventsConnection, prefix: config.redis.prefix });
  events.on('failed', ({ jobId, failedReason }) => {
    void ports.deployments.transition(jobId, 'failed', { error: { code: 'worker_lost', message: failedReason } }).catch(() => undefined);
  });
  return {
    start: async () => {
      await events.waitUntilReady();
      void worker.run();
      await worker.waitUntilReady();
      log.info('deploy worker ready', { concurrency: deps.concurrency });
    },
    close: async (force = false) => {
      shutdown.abort(SHUTDOWN);
      await worker.close(force);
      await Promise.all([events.close(), buildQueue.close()]);
      eventsConnection.disconnect();
    },
  };
}

/**
 * A runner per `[[nodes]]` entry that can run apps (it has an address): replicas publish where the
 * proxy reaches them, and are recorded as that node's containers (as the node-scoped routes do).
 */
function deployNodes(deps: DeployWorkerDeps, redis: Redis, log: Logger): (name: string) => DeployNode | undefined {
  const { config } = deps;
  const nodes = new Map<string, DeployNode>();
  for (const node of config.nodes) {
    const engine = deps.nodeEngines?.get(node.name);
    const address = replicaAddress(node);
    if (!engine || address === undefined) continue;
    const instance = config.server.instance;
    const registry = new RedisContainerRegistry(redis, { prefix: config.redis.prefix, instance: `${instance}:node:${node.name}` });
    const runner = new ReleaseRunner(engine, registry, { instance, address, publishIp: publishIp(address) }, log.child({ node: node.name }));
    nodes.set(node.name, { runner, images: engine, ping: () => engine.ping() });
  }
  return (name) => nodes.get(name);
}
