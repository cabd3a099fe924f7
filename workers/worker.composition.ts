import { QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { BerthConfig } from '../src/config/config.schema';
import { BuildDirs } from '../src/builds/build-dirs';
import { BUILD_QUEUE } from '../src/builds/build.job';
import { RedisBuildStore, isTerminal } from '../src/builds/redis-build.store';
import { SecretBox } from '../src/builds/secret-box';
import { RedisAppStore } from '../src/apps/redis-app.store';
import { RedisDeploymentStore } from '../src/deploys/redis-deployment.store';
import { RedisReleaseStore } from '../src/deploys/redis-release.store';
import { composeAppRouting } from '../src/proxy/app-routing.composition';
import { DockerodeEngine } from '../src/engine/dockerode.engine';
import { nodeConnection } from '../src/nodes/node-connection';
import { RegistryCredentials } from '../src/images/registry-credentials';
import { hostCredentials } from '../src/git/host-credentials';
import { DnsHostResolver } from '../src/git/host-resolver';
import { SimpleGitClient } from '../src/git/simple-git.client';
import { parseMemory } from '../src/services/container-spec';
import { SHUTDOWN } from './build-attempt';
import { BuildProcessor } from './build.processor';
import { composeDeployWorker, type DeployWorker } from './deploy.composition';
import { composeJobWorker } from './job.composition';
import type { DeployPorts } from './deploy.processor';

export interface BuildWorker {
  /** Resolves once stale checkouts are swept and the worker is taking jobs. */
  start(): Promise<void>;
  /**
   * Stops taking jobs and hands running builds back to the queue (record `queued`, job waiting,
   * not a failed try): another worker, or this one started again, takes them up. Resolves once
   * they are handed back; with `force`, at once (their jobs are then taken up once the lock expires).
   */
  close(force?: boolean): Promise<void>;
}

/** The app, deployment and release stores and the proxy, made over the worker's connection. */
export type DeployWiring = (redis: Redis) => { ports: DeployPorts; concurrency: number; releasesKept: number };

/** The deploy worker's stores and proxy routing over the process's Redis connection, from the config. */
export function deployWiring(config: BerthConfig, logger: Logger, secretBox: SecretBox): DeployWiring {
  return (redis) => {
    const retentionSeconds = Math.round(config.build.retention_hours * 3600);
    return {
      ports: {
        apps: new RedisAppStore(redis, { prefix: config.redis.prefix, secretBox }),
        deployments: new RedisDeploymentStore(redis, { prefix: config.redis.prefix, logMaxBytes: config.build.log_max_bytes, retentionSeconds }),
        releases: new RedisReleaseStore(redis, { prefix: config.redis.prefix }),
        routing: composeAppRouting(config, redis, logger).routing,
      },
      concurrency: config.deploy.concurrency,
      releasesKept: config.deploy.releases_kept,
    };
  };
}

/** The worker process's object graph, built once from the validated config: builds and deployments (`deploy` replaces the latter's wiring). */
export function composeWorker(config: BerthConfig, logger: Logger, deploy?: DeployWiring): BuildWorker {
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const eventsConnection = redis.duplicate();
  redis.on('error', (err: Error) => logger.warn('redis connection error', { error: err.message }));
  eventsConnection.on('error', () => undefined);
  const retentionSeconds = Math.round(config.build.retention_hours * 3600);
  const store = new RedisBuildStore(redis, { prefix: config.redis.prefix, logMaxBytes: config.build.log_max_bytes, retentionSeconds });
  const engine = new DockerodeEngine({
    socketPath: config.docker.socket_path,
    runtime: config.docker.runtime,
    timeoutMs: config.docker.timeout_seconds * 1000,
    buildRegistries: new RegistryCredentials(config.registries).forBuilds(),
  });
  const nodes = nodeBuildEngines(config);
  const dirs = new BuildDirs(config.docker.build_dir);
  const secretBox = SecretBox.fromDataDir(config.server.data_dir);
  const wiring = deploy ?? deployWiring(config, logger, secretBox);
  const deployer: DeployWorker = composeDeployWorker({ config, logger, redis, engine, buildStore: store, secretBox, nodeEngines: nodes.engines, ...wiring(redis) });
  const b = config.buildpacks;
  const processor = new BuildProcessor(
    store,
    engine,
    new SimpleGitClient(),
    dirs,
    {
      instance: config.server.instance,
      timeoutMs: config.build.timeout_seconds * 1000,
      cloneTimeoutMs: config.git.clone_timeout_seconds * 1000,
      ...(config.build.memory ? { memoryBytes: parseMemory(config.build.memory) } : {}),
      ...(config.build.cpus > 0 ? { nanoCpus: Math.round(config.build.cpus * 1e9) } : {}),
      ...(config.build.pids_limit > 0 ? { pidsLimit: config.build.pids_limit } : {}),
      allowFileUrls: config.git.allow_file_urls,
      allowedHosts: config.git.allowed_hosts,
      hostResolver: new DnsHostResolver(),
      maxCheckoutBytes: config.build.max_checkout_bytes,

      secretBox,
      hostCredentials: hostCredentials(config.git.credentials),
      buildpacks: {
        images: {
          node: b.node_image,
          python: b.python_image,
          go: b.go_image,
          staticBuilder: b.static_builder_image,
          staticServer: b.static_server_image,
          ...(b.bun_image !== undefined ? { bun: b.bun_image } : {}),
        },
        nodeImages: { images: b.node_images, ...(b.node_image_major !== undefined ? { imageMajor: b.node_image_major } : {}) },
        allowComposeHostAccess: config.build.allow_compose_host_access,
      },
      cancelPollMs: 500,
      nodeEngines: (node) => nodes.engines.get(node),
    },
    logger.child({ component: 'processor' }),
  );
  // Aborts every running build when the worker stops, including one taken while it was stopping.
  const shutdown = new AbortController();
  const jobs = composeJobWorker({ config, logger, redis, events: eventsConnection.duplicate(), engine, shutdown: shutdown.signal });
  const run = (job: Job, token?: string, signal?: AbortSignal) => processor.process(job, token, signal ? AbortSignal.any([shutdown.signal, signal]) : shutdown.signal);
  const worker = new Worker(BUILD_QUEUE, run, {
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: config.build.concurrency,
    lockDuration: config.build.lock_seconds * 1000,
    stalledInterval: config.build.lock_seconds * 1000,
    maxStalledCount: config.build.max_stalled,
    autorun: false,
  });
  worker.on('error', (err) => logger.error('worker error', { error: err.message }));
  worker.on('stalled', (jobId) => logger.warn('build taken up again after its worker stopped', { buildId: jobId }));
  // A worker that could not renew its lock (frozen, or cut off from Redis past lock_seconds) may
  // have lost the build to another: stop its engine build; the record's fence refuses its writes.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const jobId of jobIds) {
      logger.warn('lock on a build lost: stopping this attempt', { buildId: jobId });
      worker.cancelJob(jobId, 'lock_lost');
    }
  });
  // Jobs BullMQ fails by itself (stalled too often) never reach the processor: record them here.
  const events = new QueueEvents(BUILD_QUEUE, { connection: eventsConnection, prefix: config.redis.prefix });
  events.on('failed', ({ jobId, failedReason }) => {
    void store
      .transition(jobId, 'failed', { finishedAt: new Date().toISOString(), error: { code: 'worker_lost', message: failedReason } })
      .then(async (changed) => {
        if (changed) await store.appendLog(jobId, [{ time: new Date().toISOString(), text: `[berth] build failed: ${failedReason}` }]);
      })
      .then(() => store.expire(jobId))
      .catch(() => undefined);
  });
  return {
    start: async () => {
      const removed = await dirs.sweep(
        async (id) => {
          const record = await store.get(id);
          return !!record && !isTerminal(record.status);
        },
        config.build.timeout_seconds * 1000 + 600_000,
      );
      if (removed.length > 0) logger.info('removed stale checkouts', { count: removed.length });
      await events.waitUntilReady();
      void worker.run();
      await worker.waitUntilReady();
      logger.info('build worker ready', { concurrency: config.build.concurrency, runtime: config.docker.runtime, socket: config.docker.socket_path });
      await deployer.start();
      await jobs.start();
    },
    close: async (force = false) => {
      shutdown.abort(SHUTDOWN);
      await Promise.all([worker.close(force), deployer.close(force), jobs.close(force)]);
      await events.close();
      nodes.close();
      redis.disconnect();
      eventsConnection.disconnect();
    },
  };
}

/** The engines of the `[[nodes]]` builds may name (`node`), with the same registry settings as `local`'s. */
function nodeBuildEngines(config: BerthConfig): { engines: Map<string, DockerodeEngine>; close(): void } {
  const engines = new Map<string, DockerodeEngine>();
  const closers: Array<() => void> = [];
  for (const node of config.nodes) {
    const connection = nodeConnection(node);
    closers.push(() => connection.close());
    engines.set(
      node.name,
      new DockerodeEngine({
        socketPath: connection.address,
        connection: connection.docker,
        runtime: node.runtime,
        timeoutMs: node.timeout_seconds * 1000,
        buildRegistries: new RegistryCredentials(config.registries).forBuilds(),
      }),
    );
  }
  return { engines, close: () => closers.forEach((close) => close()) };
}
