import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { BerthConfig } from './config/config.schema';
import { BuildController } from './controllers/build.controller';
import { ContainerController } from './controllers/container.controller';
import { ImageController } from './controllers/image.controller';
import { RedisBuildStore } from './builds/redis-build.store';
import { SecretBox } from './builds/secret-box';
import { BullBuildQueue } from './queue/bullmq-build.queue';
import { BuildService } from './services/build.service';
import { RuntimeController } from './controllers/runtime.controller';
import { DockerodeEngine } from './engine/dockerode.engine';
import { createApp } from './http/app';
import type { ControllerFactory } from './http/ioc';
import { RedisHealth, createRedisConnection } from './redis/redis.connection';
import { RedisContainerRegistry } from './redis/redis-container.registry';
import { ContainerService } from './services/container.service';
import { HealthService } from './services/health.service';
import { ImageService } from './services/image.service';
import { RuntimeService } from './services/runtime.service';
import { TokenService } from './services/token.service';
import type { AppStore } from './apps/app.record';
import { EngineReplicaReader } from './apps/app-replica.reader';
import { AppRuntimeService } from './apps/app-runtime.service';
import { AppRuntimeController } from './controllers/app-runtime.controller';
import type { DeploymentStore, ReleaseStore } from './deploys/deployment.record';
import { probeHttp } from './deploys/http-probe';
import type { AppRouting } from './proxy/app-routing.port';

export interface Api {
  app: Express;
  engine: DockerodeEngine;
  /** Resolves once Redis answers, or after `timeoutMs` (the API then starts and answers 503 until it does). */
  redisReady(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The stores and proxy routing the app routes run on. */
export interface AppPorts {
  apps: AppStore;
  deployments: DeploymentStore;
  releases: ReleaseStore;
  routing: AppRouting;
}

/** The API process's object graph, built once from the validated config. The app routes answer once `appPorts` is given. */
export function composeApi(config: BerthConfig, logger: Logger, appPorts?: AppPorts): Api {
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
  const images = new ImageService(engine, { instance: config.server.instance, manageAll: config.containers.manage_all }, logger.child({ component: 'images' }));
  const retentionSeconds = Math.round(config.build.retention_hours * 3600);
  const store = new RedisBuildStore(redis, { prefix: config.redis.prefix, logMaxBytes: config.build.log_max_bytes, retentionSeconds });
  const queue = new BullBuildQueue(redis, {
    prefix: config.redis.prefix,
    attempts: config.build.attempts,
    retentionSeconds,
    onError: (err) => logger.debug('build queue connection error', { error: err.message }),
  });
  const builds = new BuildService(
    store,
    queue,
    {
      allowFileUrls: config.git.allow_file_urls,
      allowedHosts: config.git.allowed_hosts,
      followPollMs: 250,
      secretBox: SecretBox.fromDataDir(config.server.data_dir),
    },
    logger.child({ component: 'builds' }),
  );
  const runtime = new RuntimeService(engine, config);
  const health = new HealthService(engine, new RedisHealth(redis));
  const controllers: ControllerFactory[] = [
    { type: ContainerController, make: () => new ContainerController(containers) },
    { type: ImageController, make: () => new ImageController(images) },
    { type: BuildController, make: () => new BuildController(builds) },
    { type: RuntimeController, make: () => new RuntimeController(runtime, health) },
  ];
  if (appPorts) {
    const reader = new EngineReplicaReader(engine, registry, appPorts.releases, { instance: config.server.instance, probe: probeHttp });
    const appRuntime = new AppRuntimeService(appPorts.apps, appPorts.deployments, reader, appPorts.routing, engine, {}, logger.child({ component: 'app-runtime' }));
    controllers.push({ type: AppRuntimeController, make: () => new AppRuntimeController(appRuntime) });
  }
  const app = createApp({ controllers, tokens, logger, bodyLimitBytes: config.server.body_limit_bytes });
  return {
    app,
    engine,
    redisReady: (timeoutMs) => whenReady(redis, timeoutMs),
    close: async () => {
      await queue.close().catch(() => undefined);
      redis.disconnect();
    },
  };
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
