import type { BuildSpec } from './build-request';

export type BuildStatus = 'queued' | 'cloning' | 'building' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL: ReadonlySet<BuildStatus> = new Set(['succeeded', 'failed', 'cancelled']);

export interface BuiltImage {
  tag: string;
  id: string;
  service?: string;
}

/** A built image on its way to its tag: `temporaryTag` is what the engine build named it. */
export interface PublishedImage extends BuiltImage {
  temporaryTag: string;
}

/** A build as stored: the validated request plus what happened to it. */
export interface BuildRecord {
  spec: BuildSpec;
  status: BuildStatus;
  queuedAt: string;
  cloningAt?: string;
  buildingAt?: string;
  finishedAt?: string;
  commit?: string;
  images?: BuiltImage[];
  error?: { code: string; message: string };
  plan?: Record<string, unknown>;
  /**
   * Images an attempt built and won the right to tag (under the fence), not yet under their tags:
   * whoever takes the build up next finishes the tagging instead of building again.
   */
  publishing?: PublishedImage[];
  attempts: number;
  cancelRequested: boolean;
  logTruncated: boolean;
}

/** Fields a status change may set alongside the status. */
export type BuildUpdate = Partial<Pick<BuildRecord, 'cloningAt' | 'buildingAt' | 'finishedAt' | 'commit' | 'images' | 'error' | 'plan' | 'publishing'>>;

export interface LogEntry {
  seq: number;
  time: string;
  text: string;
}

/**
 * Where builds and their logs live (Redis). Every method may throw UnavailableError('redis').
 * A worker passes its `attempt` (the number `countAttempt` gave it) as a fencing token: a write
 * from an attempt that is no longer the build's latest is refused, so a worker that froze past
 * its lock while another took the build up cannot overwrite the record.
 */
export interface BuildStore {
  /** Stores a new build unless one with this id exists; returns the stored one either way. */
  /**
   * Creates a build unless its id is taken; its sealed secrets, when given, are stored in the same
   * step, so a worker never finds the build without them.
   */
  create(spec: BuildSpec, now: string, secrets?: string): Promise<{ created: boolean; record: BuildRecord }>;
  get(id: string): Promise<BuildRecord | undefined>;
  list(filter: { status?: BuildStatus; limit: number; offset: number }): Promise<{ records: BuildRecord[]; total: number }>;
  /** Sets the status unless the build already ended or `attempt` is stale; false then (or when gone). */
  transition(id: string, status: BuildStatus, update?: BuildUpdate, attempt?: number): Promise<boolean>;
  /** Sets fields of an existing build unless `attempt` is stale; false then (or when gone). */
  update(id: string, update: BuildUpdate, attempt?: number): Promise<boolean>;
  /** Counts one more take-up of the build by a worker; returns the new count (0: the build is gone). */
  countAttempt(id: string): Promise<number>;
  requestCancel(id: string): Promise<void>;
  isCancelRequested(id: string): Promise<boolean>;
  /** Appends lines up to the configured byte cap; past it, one truncation notice. True once nothing more is taken: the log is truncated, or `attempt` is stale. */
  appendLog(id: string, lines: Array<{ time: string; text: string }>, attempt?: number): Promise<boolean>;
  readLog(id: string, fromSeq: number): Promise<LogEntry[]>;
  saveSecrets(id: string, secrets: string): Promise<void>;
  takeSecrets(id: string): Promise<string | undefined>;
  deleteSecrets(id: string): Promise<void>;
  /** Lets a finished build's record and log expire after the retention time. */
  expire(id: string): Promise<void>;
  remove(id: string): Promise<void>;
}
