import type { AppRuntimeConfig } from '../apps/app.record';

/**
 * Deployments and releases as Berth stores them. A deployment moves through its phases; each
 * phase change is one atomic step that never overwrites an ended deployment and refuses a stale
 * attempt (the record's `attempts` moved on), as builds do.
 */

export type DeploymentPhase = 'queued' | 'building' | 'starting' | 'health_checking' | 'switching' | 'draining';
export type DeploymentEnd = 'succeeded' | 'failed' | 'cancelled' | 'superseded' | 'skipped';
export type DeploymentStatus = DeploymentPhase | DeploymentEnd;

export const DEPLOYMENT_ENDS: ReadonlySet<DeploymentStatus> = new Set(['succeeded', 'failed', 'cancelled', 'superseded', 'skipped']);

/** What asked for the deployment. */
export type DeploymentKind = 'deploy' | 'config' | 'rollback' | 'restart' | 'start';

export interface DeploymentRecord {
  id: string;
  app: string;
  kind: DeploymentKind;
  status: DeploymentStatus;
  /** Who asked: `api`, `webhook:github`, ... */
  trigger: string;
  /** Asked for (git apps; may be a branch head resolved later). */
  gitCommit?: string;
  /** Asked for (image apps). */
  image?: string;
  force: boolean;
  /** For `rollback`: the release whose image and config snapshot are deployed again. */
  rollbackOf?: number;
  /** Build submitted for it (git apps), once submitted. */
  buildId?: string;
  /** The resolved commit, once known. */
  commit?: string;
  /** Image id the new release runs, once known. */
  imageId?: string;
  /** Release number reserved for it, once starting. */
  release?: number;
  /** The proxy slot its replicas go to. */
  slot?: 'a' | 'b';
  /** The node the new release runs on (`local` when unset), recorded when it starts. */
  node?: string;
  /** The release serving when it started (what a failure leaves serving). */
  previousRelease?: number;
  /** The node of the previous release: where it is drained and removed (`local` when unset). */
  previousNode?: string;
  /** stop-first: the previous release's containers were (or are being) stopped; a failure starts them again. */
  previousStopped?: boolean;
  /** Time of each phase and of the end, ISO. */
  times: Partial<Record<DeploymentStatus, string>>;
  error?: { code: string; message: string };
  /** Why a `skipped` deployment did nothing, e.g. "commit abc is already live". */
  reason?: string;
  attempts: number;
  cancelRequested?: boolean;
  /** The log reached its byte cap; later lines were dropped. */
  logTruncated?: boolean;
}

export type DeploymentUpdate = Partial<
  Pick<DeploymentRecord, 'buildId' | 'commit' | 'imageId' | 'release' | 'slot' | 'node' | 'previousRelease' | 'previousNode' | 'previousStopped' | 'error' | 'reason'>
>;

/** An immutable release: what a successful deployment ran. */
export interface ReleaseRecord {
  app: string;
  number: number;
  deploymentId: string;
  commit?: string;
  /** Image id (not a tag: a tag can move). */
  imageId: string;
  /** The image reference as built or given, for display. */
  image: string;
  /** Snapshot of the runtime config; env values by reference (`config.secretsVersion`). */
  config: AppRuntimeConfig;
  /** Port used, after defaults (EXPOSE or 3000). */
  port: number;
  setPortEnv: boolean;
  createdAt: string;
}

export interface DeploymentLogLine {
  seq: number;
  time: string;
  text: string;
}

export interface DeploymentStore {
  /**
   * Creates a `queued` deployment; every other `queued` deployment of the app that no worker has
   * claimed becomes `superseded` in the same step (latest wins). Resolves with their ids.
   */
  create(record: DeploymentRecord): Promise<{ superseded: string[] }>;
  get(id: string): Promise<DeploymentRecord | undefined>;
  /** Newest first. */
  list(app: string, limit: number, offset: number): Promise<{ records: DeploymentRecord[]; total: number }>;
  /** The app's deployments that have not ended. */
  active(app: string): Promise<DeploymentRecord[]>;
  /**
   * Makes this deployment the app's one running deployment, unless another that has not ended
   * holds it: resolves false then. Re-claiming one's own is true.
   */
  claim(app: string, id: string): Promise<boolean>;
  /** Counts an attempt (the fencing token) and resolves with it. */
  countAttempt(id: string): Promise<number>;
  /** Moves to `status` (phase or end) with `update`; false if ended or the attempt is stale. Ending releases the app's claim. */
  transition(id: string, status: DeploymentStatus, update?: DeploymentUpdate, attempt?: number): Promise<boolean>;
  update(id: string, update: DeploymentUpdate, attempt?: number): Promise<boolean>;
  requestCancel(id: string): Promise<void>;
  /** Appends lines up to the byte cap (then one truncation notice). True when they were taken; false once the log is full or `attempt` is stale. */
  appendLog(id: string, lines: Array<{ time: string; text: string }>, attempt?: number): Promise<boolean>;
  readLog(id: string, fromSeq: number): Promise<DeploymentLogLine[]>;
  /** Removes the app's deployments and their logs. */
  removeApp(app: string): Promise<void>;
}

export interface ReleaseStore {
  /** A fresh release number for the app (never reused). */
  reserve(app: string): Promise<number>;
  /** Stores an immutable release; keeps the newest `keep`, resolving with the numbers dropped. */
  add(release: ReleaseRecord, keep: number): Promise<number[]>;
  get(app: string, number: number): Promise<ReleaseRecord | undefined>;
  /** Newest first. */
  list(app: string): Promise<ReleaseRecord[]>;
  removeApp(app: string): Promise<void>;
}
