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

export type DeployRunner = Pick<ReleaseRunner, 'start' | 'removeRelease' | 'stopRelease' | 'restartRelease'>;

/** One `[[nodes]]` entry as deploys use it: its engine's runner and images, and a quick look whether it answers. */
export interface DeployNode {
  runner: DeployRunner;
  images: Pick<ContainerEngine, 'inspectImage'>;
  /** Rejects when the node's engine does not answer (within its timeout). */
  ping(): Promise<void>;
}

export interface DeployProcessorDeps extends DeployPorts {
  /** The runner and images of `local`. */
  runner: DeployRunner;
  images: Pick<ContainerEngine, 'inspectImage'>;
  builds: BuildBridge;
  /** The other nodes, by name; undefined for an unknown one. */
  nodes?: (name: string) => DeployNode | undefined;
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
  made: { buildId?: string; release?: number; slot?: Slot; node?: string; forward: boolean };
}
