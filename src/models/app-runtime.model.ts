import type { AppStatus } from './app.model';

/** `missing`: the live release should have this replica and no container of it exists. */
export type ReplicaStateName = 'running' | 'restarting' | 'exited' | 'created' | 'missing';

/** One replica of an app as the engine shows it now. */
export interface AppReplicaView {
  /** 1-based replica number within its release. */
  replica: number;
  release: number;
  /** True for replicas of the release serving (or that served before `stop`). */
  live: boolean;
  /** Absent for a `missing` replica. */
  container_id?: string;
  name: string;
  state: ReplicaStateName;
  /** Times the engine restarted the container after it exited. */
  restarts: number;
  /** `127.0.0.1:<port>` the proxy reaches it at, while it publishes one. */
  address?: string;
  started_at?: string;
  /** The answer to the app's health path, when probed: `healthy` (2xx/3xx) or `unhealthy`. */
  health?: 'healthy' | 'unhealthy';
  /** Why it is unhealthy: the HTTP status or the connection error. */
  health_detail?: string;
}

export interface AppStatusView {
  app: string;
  status: AppStatus;
  live_release?: number;
  /** The live release's replicas first, then leftovers of other releases (a drain in progress). */
  replicas: AppReplicaView[];
}

/** One line of an app's output, from one replica of its live release. */
export interface AppLogLine {
  replica: number;
  stream: 'stdout' | 'stderr';
  /** RFC 3339 time the engine recorded. */
  time: string;
  text: string;
}

export interface AppLogs {
  app: string;
  release?: number;
  /** Merged by time, oldest first. */
  lines: AppLogLine[];
  /** True when older lines were left out to stay within the line cap. */
  truncated: boolean;
}

/** Result of `stop` and `start`. */
export interface AppRuntimeResult {
  app: string;
  status: AppStatus;
  /** False when the app already was in the asked state (nothing was done). */
  changed: boolean;
}
