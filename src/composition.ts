import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { AppStore } from './apps/app.record';
import type { BerthConfig } from './config/config.schema';
import { AppCleanup } from './apps/app-cleanup';
import { AppService } from './apps/app.service';
import { RedisAppStore } from './apps/redis-app.store';
import { AppController } from './controllers/app.controller';
import { BuildController } from './controllers/build.controller';
import { RecipeController } from './controllers/recipe.controller';
import { RecipeService } from './services/recipe.service';
import { ContainerController } from './controllers/container.controller';
import { ImageController } from './controllers/image.controller';
import { ImageTransferController } from './controllers/image-transfer.controller';
import { RedisBuildStore } from './builds/redis-build.store';
import { SecretBox } from './builds/secret-box';
import { BullBuildQueue } from './queue/bullmq-build.queue';
import { BuildService } from './services/build.service';
import { RuntimeController } from './controllers/runtime.controller';
import { DockerodeEngine } from './engine/dockerode.engine';
import { createApp } from './http/app';
import { composeAppRouting } from './proxy/app-routing.composition';
import type { ControllerFactory } from './http/ioc';
import { RedisHealth, createRedisConnection } from './redis/redis.connection';
import { RedisContainerRegistry } from './redis/redis-container.registry';
import { ContainerService } from './services/container.service';
import { HealthService } from './services/health.service';
import { ImageService } from './services/image.service';
import { ImageTransferService } from './images/image-transfer.service';
import { RedisImageOperationStore } from './images/redis-image-operation.store';
import { RegistryCredentials } from './images/registry-credentials';
import { RuntimeService } from './services/runtime.service';
import { TokenService } from './services/token.service';
import { WebhookController } from './controllers/webhook.controller';
import { DnsHostResolver } from './git/host-resolver';
import { hostCredentials } from './git/host-credentials';
import { SimpleGitClient } from './git/simple-git.client';
import type { DeployRequester } from './webhooks/deploy-requester.port';
import { WebhookService } from './webhooks/webhook.service';
import { createTls, type Tls } from './tls/tls.setup';
import { DeploymentController } from './controllers/deployment.controller';
import { BullDeployQueue } from './deploys/bullmq-deploy.queue';
import { DeploymentService } from './deploys/deployment.service';
import { RedisDeploymentStore } from './deploys/redis-deployment.store';
import { RedisReleaseStore } from './deploys/redis-release.store';
import { StoreReleaseImages } from './deploys/release-images';
import { EngineReplicaReader } from './apps/app-replica.reader';
import { AppRuntimeService } from './apps/app-runtime.service';
import { AppRuntimeController } from './controllers/app-runtime.controller';
import { ContainerCommitController } from './controllers/container-commit.controller';
import { ImageImportController } from './controllers/image-import.controller';
import { ContainerCommitService } from './images/container-commit.service';
import { ImageImportService } from './images/image-import.service';
import type { DeploymentStore, ReleaseStore } from './deploys/deployment.record';
import { probeHttp } from './deploys/http-probe';
import type { AppRouting } from './proxy/app-routing.port';
import { RunController } from './controllers/run.controller';
import { JobController } from './controllers/job.controller';
import { JobFiles } from './jobs/job-files';
import { JobService } from './jobs/job.service';
import { RedisJobStore } from './jobs/redis-job.store';
import { JOB_QUEUE } from './jobs/job.job';
import { BullJobsQueue } from './queue/bullmq-jobs.queue';
import { DockerodeRunEngine } from './engine/dockerode-run';
import { RedisRunStore } from './runs/redis-run.store';
import { RunService } from './runs/run.service';
import { parseMemory } from './services/container-spec';
import { composeMetrics } from './metrics/metrics.composition';
import { BUILD_QUEUE } from './builds/build.job';
import { DEPLOY_QUEUE } from './deploys/bullmq-deploy.queue';
import { composeNodes } from './nodes/node.composition';
import { replicaAddress } from './nodes/node-address';
import { appNodes } from './apps/app-node.runtime';
import { NodeController } from './controllers/node.controller';
import { NodeContainerController } from './controllers/node-container.controller';
import { NodeImageController } from './controllers/node-image.controller';

export interface Api {
  app: Express;
  engine: DockerodeEngine;
  /** Resolves once Redis answers, or after `timeoutMs` (the API then starts and answers 503 until it does). */
  redisReady(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Parts the API can be given instead of building them (tests give in-memory ones). */
export interface ApiParts {
  apps?: AppStore;
  deploys?: DeployRequester;
  deployments?: DeploymentStore;
  releases?: ReleaseStore;
  routing?: AppRouting;
}

/** The API process's object graph, built once from the validated config. */
export function composeApi(config: BerthConfig, logger: Logger, parts: ApiParts = {}): Api {
  const engine = new DockerodeEngine({ socketPath: config.docker.socket_path, runtime: config.docker.runtime, timeoutMs: config.docker.timeout_seconds * 1000 });
  const redis = createRedisConnection(config.redis.url);
  redis.on('error', (err: Error) => logger.debug('redis connection error', { error: err.message }));
  const tokens = new TokenService(TokenService.resolveTokens(config.auth.tokens, config.server.data_dir, logger));
  const selfContainerId = detectSelfContainerId();
  const registry = new RedisContainerRegistry(redis, { prefix: config.redis.prefix, instance: config.server.instance });
  const containers = new ContainerService(
    engine,
    registry,
    {
      instance: config.server.instance,
      manageAll: config.containers.manage_all,
      stopTimeoutSeconds: config.containers.stop_timeout_seconds,
      ...(selfContainerId ? { selfContainerId } : {}),
    },
    logger.child({ component: 'containers' }),
  );
  const retentionSeconds = Math.round(config.build.retention_hours * 3600);
  const store = new RedisBuildStore(redis, { prefix: config.redis.prefix, logMaxBytes: config.build.log_max_bytes, retentionSeconds });
  const queue = new BullBuildQueue(redis, {
    prefix: config.redis.prefix,
    attempts: config.build.attempts,
    retentionSeconds,
    onError: (err) => logger.debug('build queue connection error', { error: err.message }),
  });
  const secretBox = SecretBox.fromDataDir(config.server.data_dir);
  const builds = new BuildService(
    store,
    queue,
    {
      allowFileUrls: config.git.allow_file_urls,
      allowedHosts: config.git.allowed_hosts,
      followPollMs: 250,
      secretBox,
      nodes: config.nodes.map((n) => n.name),
    },
    logger.child({ component: 'builds' }),
  );
  // The API owns HAProxy's lifecycle; the deploy workers drive it through the same Redis state.
  const proxy = composeAppRouting(config, redis, logger);
  // Before anything starts: an unreadable [metrics] token_file stops the start. Node reachability
  // is the nodes' registry's (composed below, read only at scrape time); the queues are every
  // queue the workers take jobs from.
  const metrics = composeMetrics(
    config,
    {
      redis,
      apiTokens: tokens,
      queues: [BUILD_QUEUE, DEPLOY_QUEUE, JOB_QUEUE],
      nodes: () => nodes.nodes.reachability(),
      ...(proxy.live ? { proxyState: proxy.live } : {}),
    },
    logger,
  );
  const appStore = parts.apps ?? new RedisAppStore(redis, { prefix: config.redis.prefix, secretBox });
  const tls = proxy.supervisor ? composeTls(config, logger, async () => (await appStore.list()).flatMap((a) => a.domains)) : undefined;
  // The default certificate and the lists must exist before HAProxy reads its configuration.
  const proxyStarted =
    proxy.supervisor &&
    whenReady(redis, 5000)
      .then(() => tls?.edge.prepare())
      .then(() => proxy.supervisor?.start())
      .then(() => tls?.certificates.start())
      .catch((err: unknown) => logger.error('the proxy could not be started', { error: String(err) }));
  const releases = parts.releases ?? new RedisReleaseStore(redis, { prefix: config.redis.prefix });
  const routing = parts.routing ?? proxy.routing;
  const imageOperations = new RedisImageOperationStore(redis, {
    prefix: config.redis.prefix,
    logMaxBytes: config.images.log_max_bytes,
    retentionSeconds: Math.round(config.images.retention_hours * 3600),
  });
  const images = new ImageService(
    engine,
    { instance: config.server.instance, manageAll: config.containers.manage_all },
    logger.child({ component: 'images' }),
    new StoreReleaseImages(appStore, releases),
    imageOperations,
  );
  const transfers = new ImageTransferService(
    { engine, store: imageOperations, pulled: imageOperations, credentials: new RegistryCredentials(config.registries), images, followPollMs: 250 },
    logger.child({ component: 'image-transfers' }),
  );
  const deployQueue = new BullDeployQueue(redis, {
    prefix: config.redis.prefix,
    attempts: config.build.attempts,
    retentionSeconds,
    onError: (err) => logger.debug('deploy queue connection error', { error: err.message }),
  });
  const deploymentStore =
    parts.deployments ?? new RedisDeploymentStore(redis, { prefix: config.redis.prefix, logMaxBytes: config.build.log_max_bytes, retentionSeconds });
  const replicaReader = new EngineReplicaReader(engine, registry, releases, { instance: config.server.instance, probe: probeHttp });
  // Apps on other nodes: read and acted on through the nodes' registry (composed below, used per request).
  const onNodes = appNodes(
    { use: (node, fn) => nodes.nodes.use(node, fn) },
    {
      instance: config.server.instance,
      probe: probeHttp,
      releases,
      addresses: new Map(config.nodes.map((n) => [n.name, replicaAddress(n)])),
    },
  );
  const appRuntime = new AppRuntimeService(appStore, deploymentStore, replicaReader, routing, engine, {}, logger.child({ component: 'app-runtime' }), onNodes.runtime);
  const deployments = new DeploymentService(appStore, deploymentStore, releases, deployQueue, { followPollMs: 250 }, logger.child({ component: 'deployments' }));
  const apps = new AppService(
    appStore,
    routing,
    new AppCleanup(engine, registry, config.server.instance),
    {
      allowFileUrls: config.git.allow_file_urls,
      allowedHosts: config.git.allowed_hosts,
      baseDomain: config.proxy.base_domain,
      drainSeconds: config.deploy.drain_seconds,
      webhookGraceHours: config.deploy.webhook_secret_grace_hours,
      nodes: new Map(config.nodes.map((n) => [n.name, replicaAddress(n) !== undefined])),
    },
    logger.child({ component: 'apps' }),
    {
      onConfigChanged: async (app) => void (await deployments.configChanged(app.name)),
      replicas: appRuntime,
      nodeCleanup: onNodes.cleanup,
      // Fire and forget: an order takes seconds to minutes; the periodic sweep retries a failure.
      onDomainsChanged: (app) =>
        void Promise.resolve(proxyStarted)
          .then(() => tls?.certificates.ensure(app.domains))
          .catch((err: unknown) => logger.warn('certificates not ensured', { app: app.name, error: String(err) })),
    },
  );
  const runs = composeRuns(config, redis, engine, logger);
  const jobs = composeJobs(config, redis, engine, secretBox, logger);
  // Runs a previous API process left behind are marked lost and their containers removed.
  const runsRecovered = whenReady(redis, 5000)
    .then(() => runs.recover())
    .catch((err: unknown) => logger.error('runs of a previous start not recovered', { error: String(err) }));
  // So are the pulls and pushes it left running.
  const transfersRecovered = whenReady(redis, 5000)
    .then(() => transfers.recover())
    .catch((err: unknown) => logger.error('image operations of a previous start not recovered', { error: String(err) }));
  const runtime = new RuntimeService(engine, config);
  // `local` is the [docker] engine with the services above; [[nodes]] get their own.
  const nodes = composeNodes(
    config,
    redis,
    { engine, services: { containers, images, transfers }, records: registry },
    logger,
    new StoreReleaseImages(appStore, releases),
  );
  const health = new HealthService(engine, new RedisHealth(redis), () => nodes.nodes.reachability());
  const controllers: ControllerFactory[] = [
    { type: ContainerController, make: () => new ContainerController(containers) },
    { type: ImageController, make: () => new ImageController(images) },
    { type: ImageTransferController, make: () => new ImageTransferController(transfers) },
    { type: BuildController, make: () => new BuildController(builds) },
    { type: RecipeController, make: () => new RecipeController(new RecipeService(builds)) },
    { type: DeploymentController, make: () => new DeploymentController(deployments) },
    { type: RuntimeController, make: () => new RuntimeController(runtime, health) },
    { type: AppController, make: () => new AppController(apps) },
    { type: AppRuntimeController, make: () => new AppRuntimeController(appRuntime) },
    ...imageImportControllers(config, logger, engine, registry),
    { type: RunController, make: () => new RunController(runs) },
    { type: NodeController, make: () => new NodeController(nodes.nodes) },
    { type: NodeContainerController, make: () => new NodeContainerController(nodes.nodes) },
    { type: NodeImageController, make: () => new NodeImageController(nodes.nodes, transfers) },
    { type: JobController, make: () => new JobController(jobs.service) },
    ...webhookControllers(config, logger, { apps: appStore, deploys: parts.deploys ?? deployments }),
  ];
  const app = createApp({ controllers, tokens, logger, bodyLimitBytes: config.server.body_limit_bytes, mount: metrics.mount });
  return {
    app,
    engine,
    redisReady: (timeoutMs) => whenReady(redis, timeoutMs),
    close: async () => {
      await proxyStarted;
      await transfersRecovered;
      await transfers.close();
      await runsRecovered;
      await runs.close();
      await jobs.queue.close().catch(() => undefined);
      tls?.certificates.stop();
      nodes.stop();
      await proxy.supervisor?.stop();
      await queue.close().catch(() => undefined);
      await deployQueue.close().catch(() => undefined);
      await metrics.close();
      redis.disconnect();
    },
  };
}

/** One-shot runs, executed by this process with the `[runs]` limits. */
function composeRuns(config: BerthConfig, redis: Redis, engine: DockerodeEngine, logger: Logger): RunService {
  const r = config.runs;
  return new RunService(
    new RedisRunStore(redis, { prefix: config.redis.prefix, retentionSeconds: Math.round(r.retention_hours * 3600) }),
    new DockerodeRunEngine(engine.docker, engine, config.docker.socket_path),
    {
      instance: config.server.instance,
      defaultTimeoutSeconds: r.default_timeout_seconds,
      maxTimeoutSeconds: r.max_timeout_seconds,
      maxStdinBytes: r.max_stdin_bytes,
      maxWaitSeconds: r.max_wait_seconds,
      maxOutputBytes: r.max_output_bytes,
      maxConcurrent: r.max_concurrent,
      pidsLimit: r.pids_limit,
      ...(r.memory !== '' ? { defaultMemoryBytes: parseMemory(r.memory) } : {}),
      ...(r.cpus > 0 ? { defaultNanoCpus: Math.round(r.cpus * 1e9) } : {}),
      flushMs: 100,
      followPollMs: 250,
    },
    logger.child({ component: 'runs' }),
  );
}

/** Jobs: accepted here, run by the build workers through the `jobs` queue. */
function composeJobs(config: BerthConfig, redis: Redis, engine: DockerodeEngine, secretBox: SecretBox, logger: Logger) {
  const j = config.jobs;
  const retentionSeconds = Math.round(j.retention_hours * 3600);
  const queue = new BullJobsQueue(redis, {
    prefix: config.redis.prefix,
    attempts: config.build.attempts,
    retentionSeconds,
    onError: (err) => logger.debug('jobs queue connection error', { error: err.message }),
  });
  const service = new JobService(
    new RedisJobStore(redis, { prefix: config.redis.prefix, logMaxBytes: j.log_max_bytes, retentionSeconds }),
    queue,
    new JobFiles(join(config.server.data_dir, 'jobs')),
    engine,
    secretBox,
    {
      defaultTimeoutSeconds: j.default_timeout_seconds,
      maxTimeoutSeconds: j.max_timeout_seconds,
      allowFileUrls: config.git.allow_file_urls,
      maxUploadBytes: j.max_upload_bytes,
      allowedRoots: j.allowed_roots,
      ...(j.memory !== '' ? { defaultMemoryBytes: parseMemory(j.memory) } : {}),
      ...(j.cpus > 0 ? { defaultNanoCpus: Math.round(j.cpus * 1e9) } : {}),
      followPollMs: 250,
      cancelWaitMs: 15_000,
    },
    logger.child({ component: 'jobs' }),
  );
  return { service, queue };
}

/** Push webhooks need the apps and their deployments. */
function webhookControllers(config: BerthConfig, logger: Logger, { apps, deploys }: Required<Pick<ApiParts, 'apps' | 'deploys'>>) {
  const webhooks = new WebhookService(
    apps,
    deploys,
    new SimpleGitClient(),
    {
      allowFileUrls: config.git.allow_file_urls,
      allowedHosts: config.git.allowed_hosts,
      hostResolver: new DnsHostResolver(),
      hostCredentials: hostCredentials(config.git.credentials),
      tempDir: tmpdir(),
    },
    logger.child({ component: 'webhooks' }),
  );
  return [{ type: WebhookController, make: () => new WebhookController(webhooks) }];
}

/**
 * TLS of the edge proxy: `certificates.ensure(domains)` is what adding an app calls; `domains`
 * lists every app's domains for the periodic renewal sweep.
 */
export function composeTls(config: BerthConfig, logger: Logger, domains?: () => Promise<string[]>): Tls {
  return createTls(config, logger, domains);
}

function whenReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    const onReady = () => done(true);
    function done(ready: boolean) {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    }
    redis.once('ready', onReady);
  });
}

/**
 * When Berth runs in a container, the engine's id for it (found in the mount table): Docker
 * mounts `.../containers/<id>/hostname`, Podman `.../overlay-containers/<id>/userdata/hostname`.
 */
export function detectSelfContainerId(mountinfo = readMountInfo()): string | undefined {
  return /containers\/([0-9a-f]{64})\/(?:userdata\/)?(?:hostname|resolv\.conf|hosts)/.exec(mountinfo)?.[1];
}

function readMountInfo(): string {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return '';
  }
}

/** Root filesystem imports and container commits. */
function imageImportControllers(config: BerthConfig, logger: Logger, engine: DockerodeEngine, registry: RedisContainerRegistry): ControllerFactory[] {
  const owner = { instance: config.server.instance, manageAll: config.containers.manage_all };
  const imports = new ImageImportService(engine, { ...owner, maxImportBytes: config.images.max_import_bytes }, logger.child({ component: 'image-import' }));
  const commits = new ContainerCommitService(engine, registry, owner, logger.child({ component: 'container-commit' }));
  return [
    { type: ImageImportController, make: () => new ImageImportController(imports) },
    { type: ContainerCommitController, make: () => new ContainerCommitController(commits) },
  ];
}
