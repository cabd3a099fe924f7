import type { BuildSpec } from './build-request';

export type BuildStatus = 'queued' | 'cloning' | 'building' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL: ReadonlySet<BuildStatus> = new Set(['succeeded', 'failed', 'cancelled']);

export interface BuiltImage {
  tag: string;
  id: string;
  service?: string;
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
  attempts: number;
  cancelRequested: boolean;
  logTruncated: boolean;
}

/** Fields a status change may set alongside the status. */
export type BuildUpdate = Partial<Pick<BuildRecord, 'cloningAt' | 'buildingAt' | 'finishedAt' | 'commit' | 'images' | 'error' | 'plan'>>;

export interface LogEntry {
  seq: number;
  time: string;
  text: string;
}

/** Where builds and their logs live (Redis). Every method may throw UnavailableError('redis'). */
export interface BuildStore {
  /** Stores a new build unless one with this id exists; returns the stored one either way. */
  create(spec: BuildSpec, now: string): Promise<{ created: boolean; record: BuildRecord }>;
  get(id: string): Promise<BuildRecord | undefined>;
  list(filter: { status?: BuildStatus; limit: number; offset: number }): Promise<{ records: BuildRecord[]; total: number }>;
  /** Sets the status unless the build already ended; false when it had (or is gone). */
  transition(id: string, status: BuildStatus, update?: BuildUpdate): Promise<boolean>;
  update(id: string, update: BuildUpdate): Promise<void>;
  /** Counts one more take-up of the build by a worker; returns the new count. */
  countAttempt(id: string): Promise<number>;
  requestCancel(id: string): Promise<void>;
  isCancelRequested(id: string): Promise<boolean>;
  /** Appends lines up to the configured byte cap; past it, one truncation notice. True once the log is truncated. */
  appendLog(id: string, lines: Array<{ time: string; text: string }>): Promise<boolean>;
  readLog(id: string, fromSeq: number): Promise<LogEntry[]>;
  saveSecrets(id: string, secrets: string): Promise<void>;
  takeSecrets(id: string): Promise<string | undefined>;
  deleteSecrets(id: string): Promise<void>;
  /** Lets a finished build's record and log expire after the retention time. */
  expire(id: string): Promise<void>;
  remove(id: string): Promise<void>;
}
