import type { AppStore } from '../src/apps/app.record';
import type { RedactingLogWriter } from '../src/builds/redacting-log.writer';
import type { DeploymentStore, ReleaseStore } from '../src/deploys/deployment.record';
import type { ReleaseRunner } from '../src/deploys/release.runner';
import type { ContainerEngine } from '../src/engine/engine.port';
import type { AppRouting, Slot } from '../src/proxy/app-routing.port';
import type { BuildBridge } from './build-bridge';
import type { DeployWatch } from './deploy-attempt';

/** The stores and the proxy a deploy worker works through. */
export interface DeployPorts {
  apps: AppStore;
  deployments: DeploymentStore;
  releases: ReleaseStore;
  routing: AppRouting;
}

export interface DeployProcessorDeps extends DeployPorts {
  runner: Pick<ReleaseRunner, 'start' | 'removeRelease' | 'stopRelease' | 'restartRelease'>;
  images: Pick<ContainerEngine, 'inspectImage'>;
  builds: BuildBridge;
}

export interface DeployProcessorOptions {
  /** Releases kept per app (`[deploy] releases_kept`). */
  releasesKept: number;
  /** Milliseconds between looks at the deployment's cancel flag. */
  cancelPollMs: number;
  /** Longest wait for the proxy to see new replicas up. */
  stageTimeoutMs: number;
  /** Seconds a drained replica gets between SIGTERM and SIGKILL. */
  stopSeconds: number;
}

/** One attempt at one deployment. */
export interface DeployRun {
  id: string;
  attempt: number;
  log: RedactingLogWriter;
  watch: DeployWatch;
  lastTry: boolean;
  /** What the attempt made so far: what a failure or cancel must undo. */
  made: { buildId?: string; release?: number; slot?: Slot; forward: boolean };
}
