import winston from 'winston';
import type { AppRecord, AppSecrets } from '../../src/apps/app.record';
import type { DeploymentRecord } from '../../src/deploys/deployment.record';
import type { GateClock } from '../../src/deploys/health-gate';
import { ReleaseRunner } from '../../src/deploys/release.runner';
import { MemoryContainerRegistry } from '../../src/services/testing/memory-container.registry';
import { DeployProcessor, type DeployProcessorDeps, type DeployProcessorOptions } from '../deploy.processor';
import { FakeAppRouting } from './fake-app-routing';
import { FakeBuildBridge, FakeReleaseEngine, fakeDeployJob, type FakeDeployJob } from './fake-release.engine';
import { MemoryAppStore } from '../../src/apps/testing/memory-app.store';
import { MemoryDeploymentStore, MemoryReleaseStore } from '../../src/deploys/testing/memory-deployment.store';

/** A runtime value that must never reach a deployment's log. */
export const SECRET_VALUE = 'pg://user:Hunter2-very-secret@db/shop';

export const TEST_SECRETS: AppSecrets = {
  env: { DATABASE_URL: SECRET_VALUE, MODE: 'production' },
  buildEnv: { NPM_TOKEN: 'npm-build-token-value' },
  webhookSecret: 'whsec-0123456789',
};

/** An image app `web` with one domain and a short health gate. */
export function testApp(over: Partial<AppRecord> = {}): AppRecord {
  return {
    name: 'web',
    source: { type: 'image', image: 'berth-test/nginx:alpine' },
    config: {
      replicas: 2,
      volumes: {},
      healthCheck: { path: '/', intervalSeconds: 1, timeoutSeconds: 1, gateSeconds: 3 },
      strategy: 'start-first',
      drainSeconds: 30,
      envNames: ['DATABASE_URL', 'MODE'],
      secretsVersion: 1,
    },
    domains: ['web.example.test'],
    buildEnvNames: ['NPM_TOKEN'],
    hasCredentials: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...over,
  };
}

/** Time moves only when the gate sleeps: no test waits for a gate. */
export function steppedClock(): GateClock {
  let time = 0;
  return { now: () => time, sleep: async (ms) => void (time += ms) };
}

/** The deploy processor over in-memory stores, a fake proxy, a fake engine and a fake build pipeline. */
export function deployHarness(options: Partial<DeployProcessorOptions> = {}, nodes?: DeployProcessorDeps['nodes']) {
  const apps = new MemoryAppStore();
  const deployments = new MemoryDeploymentStore();
  const releases = new MemoryReleaseStore();
  const routing = new FakeAppRouting();
  const engine = new FakeReleaseEngine();
  engine.images.set('berth-test/nginx:alpine', { id: 'sha256:nginx', exposedPorts: [80] });
  engine.images.set('sha256:built', { id: 'sha256:built', exposedPorts: [] });
  const registry = new MemoryContainerRegistry();
  const builds = new FakeBuildBridge();
  /** Whether probes answer 200 (else 503); `hang`: they answer only once aborted. */
  const health = { ok: true, hang: false };
  const probe = async (_target: unknown, _ms: number, signal: AbortSignal) => {
    if (health.hang) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    return health.ok && !health.hang ? { ok: true, status: 200 } : { ok: false, status: 503 };
  };
  const logger = winston.createLogger({ silent: true });
  const runner = new ReleaseRunner(engine, registry, { instance: 'test', clock: steppedClock(), probe }, logger);
  const processor = new DeployProcessor(
    { apps, deployments, releases, routing, runner, images: engine, builds, nodes },
    { releasesKept: 5, cancelPollMs: 5, stageTimeoutMs: 1000, stopSeconds: 10, ...options },
    logger,
  );
  let seq = 0;
  return {
    apps,
    deployments,
    releases,
    routing,
    engine,
    registry,
    builds,
    health,
    runner,
    processor,
    /** Queues a deployment of `web` and resolves with its id. */
    async queue(over: Partial<DeploymentRecord> = {}): Promise<string> {
      const id = over.id ?? `dep${(seq += 1)}`;
      const now = new Date().toISOString();
      await deployments.create({ id, app: 'web', kind: 'deploy', status: 'queued', trigger: 'api', force: false, times: { queued: now }, attempts: 0, ...over });
      // A record in a later phase stands for what a worker that died left behind.
      if (over.status) Object.assign(deployments.records.get(id) ?? {}, { status: over.status });
      return id;
    },
    /** Runs the job once, as a worker would. */
    async run(id: string, job: FakeDeployJob = fakeDeployJob(id), signal?: AbortSignal): Promise<FakeDeployJob> {
      await processor.process(job, 'token', signal);
      return job;
    },
  };
}

export type DeployHarness = ReturnType<typeof deployHarness>;
