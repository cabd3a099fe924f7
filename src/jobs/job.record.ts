/** queued → running → succeeded (exit 0) | failed (exit ≠ 0, or Berth could not run it) | timeout | cancelled. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'timeout' | 'cancelled';

export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'timeout', 'cancelled'];

export function isJobEnded(status: JobStatus): boolean {
  return status !== 'queued' && status !== 'running';
}

/** Where a job's source or input comes from: a tar uploaded beforehand, a git repository, or a folder under `[jobs] allowed_roots`. */
export type JobSource = { kind: 'upload' } | { kind: 'git'; repo: string; host: string; branch?: string; commit?: string } | { kind: 'path'; path: string };

export type JobInput = { kind: 'upload' } | { kind: 'path'; path: string };

/** A validated job request. Env values are kept in the record, as for runs. */
export interface JobSpec {
  id: string;
  image: string;
  /** The entry script, relative to /app. */
  main: string;
  run: string[];
  env: Record<string, string>;
  timeoutSeconds: number;
  memoryBytes?: number;
  nanoCpus?: number;
  network: 'none' | 'bridge';
  source: JobSource;
  input?: JobInput;
}

export interface JobRecord {
  spec: JobSpec;
  status: JobStatus;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** Commit checked out, for a git source. */
  commit?: string;
  error?: { code: string; message: string };
  /** Bytes of the output tar, once it was collected. */
  outputBytes?: number;
  attempts: number;
  cancelRequested: boolean;
  /** Git credentials of the request, sealed with the job id (SecretBox); dropped when the job ends. */
  sealedCredentials?: string;
  logTruncated: boolean;
}

export type JobUpdate = Partial<Pick<JobRecord, 'startedAt' | 'endedAt' | 'exitCode' | 'oomKilled' | 'commit' | 'error' | 'outputBytes'>>;

export interface JobLogLine {
  seq: number;
  time: string;
  text: string;
}

/** Where jobs and their logs are kept; writes with an `attempt` are refused once another attempt counted. */
export interface JobStore {
  create(spec: JobSpec, createdAt: string, sealedCredentials?: string): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  list(filter: { status?: JobStatus; limit: number; offset: number }): Promise<{ records: JobRecord[]; total: number }>;
  /** Sets the status and fields unless the job has ended or the attempt is stale; true when set. */
  transition(id: string, status: JobStatus, update?: JobUpdate, attempt?: number): Promise<boolean>;
  /** Counts a take-up by a worker; 0 when the job is gone. */
  countAttempt(id: string): Promise<number>;
  requestCancel(id: string): Promise<void>;
  /** Appends within the log cap; true once the log is full. */
  appendLog(id: string, lines: Array<{ time: string; text: string }>, attempt?: number): Promise<boolean>;
  readLog(id: string, fromSeq: number): Promise<JobLogLine[]>;
  /** Gives an ended job (record and log) `retentionSeconds` to live. */
  expire(id: string): Promise<void>;
  remove(id: string): Promise<void>;
}
