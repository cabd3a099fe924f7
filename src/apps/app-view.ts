import type { AppStatus, AppView } from '../models/app.model';
import type { AppReplicaState } from './app-replicas.port';
import type { AppRecord } from './app.record';

/** The app as the API shows it: names of secret values, never the values. */
export function toAppView(record: AppRecord, state: { deploying: boolean; replicas: AppReplicaState[] }): AppView {
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
    status: appStatus(record, state),
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

/**
 * `stopped` on purpose wins; then a running deployment; `new` until a release went live; then the
 * live release's replicas: all up `running`, none up `crashed`, some `degraded`.
 */
export function appStatus(record: AppRecord, state: { deploying: boolean; replicas: readonly AppReplicaState[] }): AppStatus {
  if (record.stopped) return 'stopped';
  if (state.deploying) return 'deploying';
  if (record.liveRelease === undefined) return 'new';
  const up = state.replicas.filter((r) => r.state === 'running').length;
  if (up === 0) return 'crashed';
  return up >= record.config.replicas ? 'running' : 'degraded';
}
