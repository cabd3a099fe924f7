import type { BuildRequest } from '../models/build.model';
import type { HealthCheck } from '../deploys/release-spec';

/**
 * An app as Berth stores it. Secret values (runtime `env` values, `build_env` values, git
 * credentials, webhook secrets) are never in the record: they live sealed apart (`AppSecrets`),
 * in immutable versions, so a release can reference the version it ran with.
 */

export type AppStrategy = 'start-first' | 'stop-first';

/** What an app builds from: the build request's fields, minus the per-deploy and secret ones. */
export type AppBuildSource = Omit<BuildRequest, 'id' | 'git_commit' | 'git_credentials' | 'image_tag' | 'env'>;

export type AppSource = { type: 'git'; build: AppBuildSource } | { type: 'image'; image: string };

/** The runtime settings a release snapshots. Values of `env` are in the secrets version `secretsVersion`. */
export interface AppRuntimeConfig {
  /** Port the app listens on; undefined: the image's single EXPOSE, else 3000 with PORT set. */
  port?: number;
  replicas: number;
  /** As given (e.g. "256m"), and in bytes. */
  memory?: string;
  memoryBytes?: number;
  cpus?: number;
  command?: string[];
  /** Volume name → absolute mount path. */
  volumes: Record<string, string>;
  healthCheck: HealthCheck;
  strategy: AppStrategy;
  /** Seconds old replicas keep their in-flight requests after the switch. Default 30. */
  drainSeconds: number;
  /** Names of the runtime variables; values are sealed in the secrets version. */
  envNames: string[];
  /** The secrets version whose `env` values this config runs with. */
  secretsVersion: number;
  /** The node the replicas run on (`[[nodes]]`); undefined: `local`. A release keeps the node it ran on. */
  node?: string;
}

export interface AppRecord {
  name: string;
  source: AppSource;
  config: AppRuntimeConfig;
  /** Host names routed to the app (lower case). */
  domains: string[];
  /** Names of the build-time variables (values sealed). */
  buildEnvNames: string[];
  hasCredentials: boolean;
  /** gitignore-style patterns; a push touching none of them is ignored. */
  watchPaths?: string[];
  createdAt: string;
  updatedAt: string;
  /** Bumped by every change: writers pass the version they read (optimistic concurrency). */
  version: number;
  /** The release serving, if any, and the proxy slot its replicas are in. */
  liveRelease?: number;
  liveSlot?: 'a' | 'b';
  /** The node the live release runs on; undefined: `local`. Status, logs, stop and start act there. */
  liveNode?: string;
  /** Set by `stop`, cleared by `start`: the app's replicas are stopped on purpose. */
  stopped?: boolean;
}

/** Sealed apart from the record; one immutable blob per version. */
export interface AppSecrets {
  env: Record<string, string>;
  buildEnv: Record<string, string>;
  credentials?: { username?: string; token?: string; ssh_key?: string };
  webhookSecret: string;
  /** A rotated-out secret, still accepted until `validUntil` (ISO time). */
  previousWebhookSecret?: { secret: string; validUntil: string };
}

export interface AppStore {
  /** false when the name is taken, or a domain is another app's. The secrets become version 1. */
  create(record: AppRecord, secrets: AppSecrets): Promise<boolean>;
  get(name: string): Promise<AppRecord | undefined>;
  /** Every app, by name. */
  list(): Promise<AppRecord[]>;
  /**
   * Writes `next` if the stored record's version is still `expectedVersion` and none of its domains
   * is another app's (else false, changing nothing); `next.version`
   * must be expectedVersion + 1. With `secrets`, a new secrets version is stored first and
   * `next.config.secretsVersion` must name it (use `nextSecretsVersion`).
   */
  update(next: AppRecord, expectedVersion: number, secrets?: { version: number; value: AppSecrets }): Promise<boolean>;
  /** A fresh secrets version number (never reused). */
  nextSecretsVersion(name: string): Promise<number>;
  secrets(name: string, version: number): Promise<AppSecrets | undefined>;
  /** Removes secrets versions not in `keep`. */
  pruneSecrets(name: string, keep: readonly number[]): Promise<void>;
  /** Removes the record, its secrets, releases and deployments index (deployment records expire). */
  remove(name: string): Promise<void>;
}
