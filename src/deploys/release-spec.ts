import { posix } from 'node:path';
import { isValidImageReference } from '../builds/image-reference';
import type { ContainerSpec } from '../engine/engine.port';
import { ValidationError } from '../errors';
import { INSTANCE_LABEL, MANAGED_LABEL, SYSTEM_LABEL } from '../services/container-spec';

export const APP_LABEL = 'berth.app';
export const RELEASE_LABEL = 'berth.release';
export const REPLICA_LABEL = 'berth.replica';
export const VOLUME_LABEL = 'berth.volume';

/** How a new release proves it serves: HTTP from outside the container, nothing needed inside the image. */
export interface HealthCheck {
  /** Path probed on every replica; a 2xx or 3xx answer passes. */
  path: string;
  /** Seconds between rounds of probes. */
  intervalSeconds: number;
  /** Seconds one probe may take (capped by what is left of the gate). */
  timeoutSeconds: number;
  /** Seconds every replica has to pass once; past it the release fails. */
  gateSeconds: number;
}

export const DEFAULT_HEALTH_CHECK: Readonly<HealthCheck> = Object.freeze({ path: '/', intervalSeconds: 1, timeoutSeconds: 5, gateSeconds: 60 });

/** One release of an app: what its replicas run, already resolved to an image. */
export interface ReleaseSpec {
  app: string;
  release: number;
  image: string;
  env: Record<string, string>;
  /** The port the app listens on inside the container. */
  port: number;
  /** Sets `PORT` to `port` (the app was given a port rather than declaring one). */
  setPortEnv: boolean;
  replicas: number;
  memoryBytes?: number;
  cpus?: number;
  command?: string[];
  /** Volume name → absolute path in the container. The volume lives across releases. */
  volumes: Record<string, string>;
  healthCheck: HealthCheck;
}

/** Most replicas one release may run on one host. */
export const MAX_REPLICAS = 32;
const MIN_MEMORY = 6 * 1024 * 1024;
const APP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const VOLUME_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
/** A request target Node sends as it is: printable ASCII, no spaces. */
const PROBE_PATH = /^\/[\x21-\x7e]{0,2047}$/;

/** Throws ValidationError naming the API field of the first bad value. */
export function checkReleaseSpec(spec: ReleaseSpec): void {
  if (!APP_NAME.test(spec.app)) throw new ValidationError('name must be a DNS label: lower-case letters, digits and "-", at most 63', 'name');
  if (!Number.isSafeInteger(spec.release) || spec.release < 1) throw new ValidationError('release must be a positive integer', 'release');
  if (!isValidImageReference(spec.image)) throw new ValidationError('image must be an image reference or an image id', 'image');
  checkEnv(spec.env);
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) throw new ValidationError('port must be 1-65535', 'port');
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1 || spec.replicas > MAX_REPLICAS) {
    throw new ValidationError(`replicas must be 1-${MAX_REPLICAS}`, 'replicas');
  }
  if (spec.memoryBytes !== undefined && !(Number.isSafeInteger(spec.memoryBytes) && spec.memoryBytes >= MIN_MEMORY)) {
    throw new ValidationError('memory must be at least 6m', 'memory');
  }
  if (spec.cpus !== undefined && !(Number.isFinite(spec.cpus) && spec.cpus > 0 && spec.cpus <= 1024)) {
    throw new ValidationError('cpus must be a positive number of cores, e.g. 0.5', 'cpus');
  }
  if (spec.command !== undefined && (spec.command.length === 0 || spec.command.some((p) => typeof p !== 'string' || p.includes('\0')))) {
    throw new ValidationError('command must be a non-empty list of strings', 'command');
  }
  checkVolumes(spec.volumes);
  checkHealthCheck(spec.healthCheck);
}

/** `berth-<app>-r<release>-<n>`: read from the right, two releases or apps never share a name. */
export function replicaName(app: string, release: number, replica: number): string {
  return `berth-${app}-r${release}-${replica}`;
}

/** `berth-<app>_<volume>`: app names hold no `_`, so apps never share a volume. */
export function volumeName(app: string, volume: string): string {
  return `berth-${app}_${volume}`;
}

export function volumeLabels(app: string, volume: string, instance: string): Record<string, string> {
  return { [MANAGED_LABEL]: 'true', [INSTANCE_LABEL]: instance, [APP_LABEL]: app, [VOLUME_LABEL]: volume };
}

/**
 * The engine spec of replica `replica` (1-based): its port published on `hostIp` (127.0.0.1 unless
 * the proxy reaches the node from another host) at a port the engine picks.
 */
export function replicaContainerSpec(spec: ReleaseSpec, replica: number, instance: string, hostIp = '127.0.0.1'): ContainerSpec {
  return {
    image: spec.image,
    name: replicaName(spec.app, spec.release, replica),
    ...(spec.command ? { command: [...spec.command] } : {}),
    env: { ...spec.env, ...(spec.setPortEnv ? { PORT: String(spec.port) } : {}) },
    // Set last: an image's own berth.* labels are merged under these and must not win.
    labels: {
      [MANAGED_LABEL]: 'true',
      [INSTANCE_LABEL]: instance,
      [SYSTEM_LABEL]: 'false',
      [APP_LABEL]: spec.app,
      [RELEASE_LABEL]: String(spec.release),
      [REPLICA_LABEL]: String(replica),
    },
    // Loopback on the proxy's own host: the proxy reaches replicas there, nothing else does.
    ports: [{ containerPort: spec.port, protocol: 'tcp', hostIp }],
    restartPolicy: { name: 'unless-stopped' },
    init: true,
    mounts: Object.entries(spec.volumes).map(([name, path]) => ({ volume: volumeName(spec.app, name), path })),
    ...(spec.memoryBytes !== undefined ? { memoryBytes: spec.memoryBytes } : {}),
    ...(spec.cpus !== undefined ? { nanoCpus: Math.round(spec.cpus * 1e9) } : {}),
  };
}

function checkEnv(env: Record<string, string>): void {
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw new ValidationError(`${JSON.stringify(name)} is not a valid variable name`, `env.${name}`);
    if (typeof value !== 'string' || CONTROL.test(value)) {
      throw new ValidationError('value must be a string without control characters such as newlines', `env.${name}`);
    }
  }
}

function checkVolumes(volumes: Record<string, string>): void {
  const paths = new Set<string>();
  for (const [name, path] of Object.entries(volumes)) {
    const field = `volumes.${name}`;
    if (!VOLUME_NAME.test(name)) throw new ValidationError('volume names are DNS labels: lower-case letters, digits and "-"', field);
    if (typeof path !== 'string' || !path.startsWith('/') || path === '/' || CONTROL.test(path) || posix.normalize(path) !== path || path.endsWith('/')) {
      throw new ValidationError('mount path must be an absolute, normalised path other than "/", e.g. "/data"', field);
    }
    if (paths.has(path)) throw new ValidationError(`two volumes are mounted at ${path}`, field);
    paths.add(path);
  }
}

function checkHealthCheck(h: HealthCheck): void {
  if (typeof h.path !== 'string' || !PROBE_PATH.test(h.path)) {
    throw new ValidationError('path must start with "/" and hold printable characters without spaces', 'health_check.path');
  }
  seconds(h.intervalSeconds, 0.1, 300, 'health_check.interval_seconds');
  seconds(h.timeoutSeconds, 0.1, 300, 'health_check.timeout_seconds');
  seconds(h.gateSeconds, 1, 3600, 'health_check.gate_seconds');
}

function seconds(value: number, min: number, max: number, field: string): void {
  if (!Number.isFinite(value) || value < min || value > max) throw new ValidationError(`must be between ${min} and ${max} seconds`, field);
}
