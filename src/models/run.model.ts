export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'timeout' | 'cancelled' | 'lost';

/** Body of `POST /api/v1/runs`. */
export interface RunRequest {
  /** Image to run; it must be present on the engine (404 otherwise). */
  image: string;
  /**
   * Program and arguments, an array of strings run as given: never through a shell (pass
   * `["sh", "-c", "..."]` for one). A single string is refused with 400, not split. (The string
   * in the type only keeps the validator from wrapping a string into a one-item array.)
   */
  command: string | string[];
  /** Environment variables of the process. Kept with the run: not for secrets. */
  env?: { [name: string]: string };
  /** Seconds before the run is killed and ends as `timeout`. Default `[runs] default_timeout_seconds` (300), at most `[runs] max_timeout_seconds`. */
  timeout_seconds?: number;
  /** Memory limit: bytes, or a number with unit b, k, m or g (e.g. "256m"); at least 6m. Default `[runs] memory` ("512m"). */
  memory?: string | number;
  /** CPU limit in cores, e.g. 0.5. Default `[runs] cpus` (1). */
  cpus?: number;
  /** `none` (default: loopback only) or `bridge` (the engine's default network). */
  network?: string;
  /** Text written to the process's stdin, which is then closed. At most `[runs] max_stdin_bytes`. Without it, stdin is empty. */
  stdin?: string;
  /** Capabilities to keep; all are dropped otherwise. Only those Docker grants by default (e.g. `CHOWN`, `SETUID`, `NET_BIND_SERVICE`). */
  cap_add?: string[];
}

export interface RunView {
  id: string;
  status: RunStatus;
  image: string;
  command: string[];
  /** Names of the variables set (values are not shown). */
  env_names: string[];
  timeout_seconds: number;
  memory_bytes?: number;
  cpus?: number;
  network: string;
  cap_add: string[];
  created_at: string;
  started_at?: string;
  ended_at?: string;
  /** Milliseconds from start to end, once ended after starting. */
  duration_ms?: number;
  /** The process's exit code, once it exited (not for `timeout`, `cancelled`, `lost`). */
  exit_code?: number;
  /** True when the kernel killed the process for exceeding the memory limit. */
  oom_killed?: boolean;
  /** Standard output, lines joined by "\n", at most `[runs] max_output_bytes`. */
  stdout: string;
  /** Standard error, kept apart from stdout, with the same cap. */
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  /** Says what was cut and why, when output was truncated. */
  truncation_notice?: string;
  error?: { code: string; message: string };
}

export interface RunList {
  runs: RunView[];
  /** Total matching runs. */
  total: number;
  limit: number;
  offset: number;
}

export interface RunLogLine {
  /** Position of the line in the run's output, from 0; also the SSE event id. */
  seq: number;
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface RunLogs {
  run_id: string;
  status: RunStatus;
  lines: RunLogLine[];
  stdout_truncated: boolean;
  stderr_truncated: boolean;
}
