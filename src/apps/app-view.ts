import type { AppStatus, AppView } from '../models/app.model';
import { appStatus as statusOf, replicaStateOf } from './app-status';
import type { AppReplicaState } from './app-replicas.port';
import type { AppRecord } from './app.record';

/** The app as the API shows it: names of secret values, never the values. */
export function toAppView(record: AppRecord, state: { deploying: boolean; replicas: AppReplicaState[]; status?: AppStatus }): AppView {
  const { config } = record;
  const h = config.healthCheck;
  return {
    name: record.name,
    source:
      record.source.type === 'image'
        ? { type: 'image', image: record.source.image }
        : { type: 'git', ...record.source.build, buildpack_type: record.source.build.buildpack_type },
    has_git_credentials: record.hasCredentials,
    env: [...config.envNames],
    build_env: [...record.buildEnvNames],
    ...(config.port !== undefined ? { port: config.port } : {}),
    domains: [...record.domains],
    replicas: config.replicas,
    ...(config.memory !== undefined ? { memory: config.memory } : {}),
    ...(config.cpus !== undefined ? { cpus: config.cpus } : {}),
    ...(config.command !== undefined ? { command: [...config.command] } : {}),
    volumes: { ...config.volumes },
    health_check: { path: h.path, interval_seconds: h.intervalSeconds, timeout_seconds: h.timeoutSeconds, gate_seconds: h.gateSeconds },
    strategy: config.strategy,
    drain_seconds: config.drainSeconds,
    ...(record.watchPaths ? { watch_paths: [...record.watchPaths] } : {}),
    node: config.node ?? 'local',
    status: state.status ?? appStatus(record, state),
    ...(record.liveRelease !== undefined ? { live_release: record.liveRelease } : {}),
    urls: record.domains.map((d) => `http://${d}/`),
    replicas_state: state.replicas.map((r) => ({
      replica: r.replica,
      container_id: r.containerId,
      state: r.state,
      restarts: r.restarts,
      ...(r.address !== undefined ? { address: r.address } : {}),
    })),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    version: record.version,
  };
}

/** The status rule of `app-status.ts`, from what a view knows of the live release's replicas. */
export function appStatus(record: AppRecord, state: { deploying: boolean; replicas: readonly AppReplicaState[] }): AppStatus {
  const live = record.liveRelease;
  const replicas = state.replicas.map((r) => ({
    replica: r.replica,
    release: live ?? 0,
    containerId: r.containerId,
    name: r.containerId,
    state: replicaStateOf(r.state, r.state === 'running'),
    restarts: r.restarts,
  }));
  const status = statusOf({ stopped: record.stopped === true, deploying: state.deploying, liveRelease: live, replicas, now: Date.now() });
  // Replicas without a container are not in the list: fewer running than asked for is degraded too.
  return status === 'running' && replicas.length < record.config.replicas ? 'degraded' : status;
}
