/** queued → running → succeeded (exit 0) | failed (exit ≠ 0) | timeout | cancelled | lost (Berth stopped meanwhile). */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'timeout' | 'cancelled' | 'lost';

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'timeout', 'cancelled', 'lost'];

export function isEnded(status: RunStatus): boolean {
  return status !== 'queued' && status !== 'running';
}

/** A validated run request. Env values are kept in the record: runs take no secrets store. */
export interface RunSpec {
  id: string;
  image: string;
  command: string[];
  env: Record<string, string>;
  timeoutSeconds: number;
  memoryBytes?: number;
  nanoCpus?: number;
  network: 'none' | 'bridge';
  capAdd: string[];
}

export interface RunRecord {
  id: string;
  spec: RunSpec;
  status: RunStatus;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  error?: { code: string; message: string };
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Says what was cut and why. */
  truncationNotice?: string;
}

export interface RunLogLine {
  seq: number;
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Where runs and their output are kept. */
export interface RunStore {
  create(record: RunRecord): Promise<void>;
  get(id: string): Promise<RunRecord | undefined>;
  /** Replaces the record; an ended record gets `retentionSeconds` to live, its output too. */
  save(record: RunRecord): Promise<void>;
  list(options: { status?: RunStatus; limit: number; offset: number }): Promise<{ records: RunRecord[]; total: number }>;
  appendLog(id: string, lines: Array<Omit<RunLogLine, 'seq'>>): Promise<void>;
  readLog(id: string, fromSeq: number): Promise<RunLogLine[]>;
  remove(id: string): Promise<void>;
}
