import type { AppStatus } from '../models/app.model';
import type { ReplicaStateName } from '../models/app-runtime.model';

/** One replica of an app, as `ReplicaStateReader` finds it. */
export interface ReplicaState {
  replica: number;
  release: number;
  /** Absent for a `missing` replica. */
  containerId?: string;
  name: string;
  state: ReplicaStateName;
  restarts: number;
  /** `127.0.0.1:<port>`, while the container publishes its port. */
  address?: string;
  startedAt?: string;
  /** Set when the replica was probed on the app's health path. */
  health?: { healthy: boolean; detail: string };
}

/** How long after a restart a replica still counts against the app (a crash loop looks "running" between crashes). */
export const RECENT_RESTART_MS = 5 * 60_000;

export interface AppStatusInput {
  stopped: boolean;
  /** A deployment of the app has not ended. */
  deploying: boolean;
  liveRelease?: number;
  /** Every replica found; only the live release's count. */
  replicas: readonly ReplicaState[];
  now: number;
}

/**
 * The app's status: `stopped` on purpose, `deploying` while a deployment runs, `new` before any
 * release, `crashed` when no live replica runs, `degraded` when some do not (or one restarted
 * lately, or answers its health path badly), else `running`.
 */
export function appStatus(input: AppStatusInput): AppStatus {
  if (input.stopped) return 'stopped';
  if (input.deploying) return 'deploying';
  if (input.liveRelease === undefined) return 'new';
  const live = input.replicas.filter((r) => r.release === input.liveRelease);
  const running = live.filter((r) => r.state === 'running');
  if (running.length === 0) return 'crashed';
  if (running.length < live.length) return 'degraded';
  if (live.some((r) => restartedRecently(r, input.now) || r.health?.healthy === false)) return 'degraded';
  return 'running';
}

function restartedRecently(r: ReplicaState, now: number): boolean {
  if (r.restarts === 0) return false;
  const started = r.startedAt ? Date.parse(r.startedAt) : NaN;
  // No usable start time: the restart count alone is the best evidence there is.
  return Number.isNaN(started) || now - started < RECENT_RESTART_MS;
}

/** The engine's container state in the API's words. */
export function replicaStateOf(status: string, running: boolean): ReplicaStateName {
  if (status === 'restarting') return 'restarting';
  if (running) return 'running';
  if (status === 'created' || status === 'configured') return 'created';
  return 'exited';
}
