import { checkReleaseSpec, DEFAULT_HEALTH_CHECK, type HealthCheck } from '../deploys/release-spec';
import { ValidationError } from '../errors';
import type { CreateAppRequest, UpdateAppRequest } from '../models/app.model';
import { parseMemory } from '../services/container-spec';
import { WatchPaths } from '../webhooks/watch-paths';
import { GIT_FIELDS, validateSource } from './app-source';
import type { AppRecord, AppRuntimeConfig, AppSecrets, AppSource, AppStrategy } from './app.record';

export interface AppRequestOptions {
  allowFileUrls: boolean;
  /** `[proxy] base_domain`; '' for none. */
  baseDomain: string;
  /** `[deploy] drain_seconds`. */
  drainSeconds: number;
  /** The `[[nodes]]` by name, and whether each can run apps (it has an address). Default none: `local` only. */
  nodes?: ReadonlyMap<string, boolean>;
}

/** A checked app, less what the store decides (versions, times, live release). */
export interface ValidatedApp {
  source: AppSource;
  config: Omit<AppRuntimeConfig, 'secretsVersion'>;
  domains: string[];
  buildEnvNames: string[];
  watchPaths?: string[];
  /** The secret values, less the webhook secrets the service keeps. */
  secrets: Pick<AppSecrets, 'env' | 'buildEnv' | 'credentials'>;
}

const STRATEGIES: readonly AppStrategy[] = ['start-first', 'stop-first'];
const MAX_DOMAINS = 100;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Internal checks need an image and a port; these stand in where the app leaves them to the deploy. */
const PLACEHOLDER_IMAGE = 'berth-app/config-check:1';
const PLACEHOLDER_PORT = 3000;

/** Checks a `POST /api/v1/apps` body; throws ValidationError naming the first bad API field. */
export function validateCreateApp(req: CreateAppRequest, options: AppRequestOptions): ValidatedApp {
  if (typeof req.name !== 'string' || !DNS_LABEL.test(req.name)) {
    throw new ValidationError('name must be a DNS label: lower-case letters, digits and "-", at most 63, not starting or ending with "-"', 'name');
  }
  const env = variables(req.env, {}, 'env');
  const buildEnv = variables(req.build_env, {}, 'build_env');
  const { source, credentials } = validateSource(req, buildEnv, options.allowFileUrls);
  const config = runtimeConfig(req, env, options);
  checkReleaseSpec({
    app: req.name,
    release: 1,
    image: source.type === 'image' ? source.image : PLACEHOLDER_IMAGE,
    env,
    port: config.port ?? PLACEHOLDER_PORT,
    setPortEnv: false,
    replicas: config.replicas,
    ...(config.memoryBytes !== undefined ? { memoryBytes: config.memoryBytes } : {}),
    ...(config.cpus !== undefined ? { cpus: config.cpus } : {}),
    ...(config.command !== undefined ? { command: config.command } : {}),
    volumes: config.volumes,
    healthCheck: config.healthCheck,
  });
  const watchPaths = checkWatchPaths(req.watch_paths, source);
  return {
    source,
    config,
    domains: req.domains !== undefined ? checkDomains(req.domains) : defaultDomains(req.name, options.baseDomain),
    buildEnvNames: Object.keys(buildEnv).sort(),
    ...(watchPaths ? { watchPaths } : {}),
    secrets: { env, buildEnv, ...(credentials ? { credentials } : {}) },
  };
}

/**
 * Checks a `PATCH` body against the app as it is: the result is the whole app, checked as a
 * create would be. `env`/`build_env` entries set or (`null`) remove single variables.
 */
export function validateAppPatch(current: AppRecord, secrets: AppSecrets, patch: UpdateAppRequest, options: AppRequestOptions): ValidatedApp {
  if ((patch as { name?: unknown }).name !== undefined && (patch as { name?: unknown }).name !== current.name) {
    throw new ValidationError('an app cannot be renamed: create a new one', 'name');
  }
  const merged: CreateAppRequest = {
    ...currentSource(current, secrets, patch),
    name: current.name,
    env: variables(patch.env, secrets.env, 'env'),
    build_env: variables(patch.build_env, secrets.buildEnv, 'build_env'),
    ...optional('port', patch.port ?? current.config.port),
    domains: patch.domains ?? current.domains,
    replicas: patch.replicas ?? current.config.replicas,
    ...optional('memory', patch.memory ?? current.config.memory),
    ...optional('cpus', patch.cpus ?? current.config.cpus),
    ...optional('command', patch.command ?? current.config.command),
    volumes: patch.volumes ?? current.config.volumes,
    health_check: { ...healthCheckFields(current.config.healthCheck), ...patch.health_check },
    strategy: patch.strategy ?? current.config.strategy,
    drain_seconds: patch.drain_seconds ?? current.config.drainSeconds,
    ...optional('watch_paths', patch.watch_paths ?? current.watchPaths),
    ...optional('node', patch.node ?? current.config.node),
  };
  return validateCreateApp(merged, options);
}

/** The source fields to check: the patch's own when it changes the kind of source, else the current ones overlaid by the patch. */
function currentSource(current: AppRecord, secrets: AppSecrets, patch: UpdateAppRequest): Partial<CreateAppRequest> {
  const given = Object.fromEntries(GIT_FIELDS.filter((f) => patch[f] !== undefined).map((f) => [f, patch[f]]));
  if (patch.image !== undefined) return { ...given, image: patch.image };
  if (current.source.type === 'image') return Object.keys(given).length > 0 ? given : { image: current.source.image };
  // Credentials written into a new repository URL replace the stored ones, as they would in a create.
  const keep = secrets.credentials && !carriesCredentials(patch.git_repo);
  const credentials = keep ? { git_credentials: { ...secrets.credentials } } : {};
  return { ...current.source.build, ...credentials, ...given };
}

function carriesCredentials(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && (parsed.username !== '' || parsed.password !== '');
  } catch {
    return false;
  }
}

function runtimeConfig(req: CreateAppRequest, env: Record<string, string>, options: AppRequestOptions): ValidatedApp['config'] {
  const replicas = req.replicas ?? 1;
  const strategy = req.strategy ?? 'start-first';
  if (!STRATEGIES.includes(strategy)) throw new ValidationError(`strategy must be one of ${STRATEGIES.join(', ')}`, 'strategy');
  const drainSeconds = req.drain_seconds ?? options.drainSeconds;
  if (typeof drainSeconds !== 'number' || !Number.isFinite(drainSeconds) || drainSeconds < 0 || drainSeconds > 3600) {
    throw new ValidationError('drain_seconds must be between 0 and 3600', 'drain_seconds');
  }
  if (req.command !== undefined && !Array.isArray(req.command)) throw new ValidationError('command must be a list of strings', 'command');
  if (req.volumes !== undefined && (typeof req.volumes !== 'object' || req.volumes === null)) {
    throw new ValidationError('volumes must map volume names to mount paths', 'volumes');
  }
  return {
    ...(req.port !== undefined ? { port: req.port } : {}),
    replicas,
    ...(req.memory !== undefined ? { memory: String(req.memory), memoryBytes: parseMemory(req.memory) } : {}),
    ...(req.cpus !== undefined ? { cpus: req.cpus } : {}),
    ...(req.command !== undefined ? { command: [...req.command] } : {}),
    volumes: { ...req.volumes },
    healthCheck: healthCheck(req.health_check),
    strategy,
    drainSeconds,
    envNames: Object.keys(env).sort(),
    ...appNode(req.node, options.nodes),
  };
}

/** `local` is left out of the record: an app without `node` is what every app before nodes was. */
function appNode(value: unknown, nodes: ReadonlyMap<string, boolean> = new Map()): { node?: string } {
  if (value === undefined || value === 'local') return {};
  if (typeof value !== 'string' || !nodes.has(value)) {
    throw new ValidationError(`node must be "local" or a configured node (${['local', ...nodes.keys()].join(', ')})`, 'node');
  }
  if (!nodes.get(value)) throw new ValidationError(`node ${value} has no IPv4 address the proxy can reach its replicas at: set its [[nodes]] address`, 'node');
  return { node: value };
}

function healthCheck(given: CreateAppRequest['health_check']): HealthCheck {
  return {
    path: given?.path ?? DEFAULT_HEALTH_CHECK.path,
    intervalSeconds: given?.interval_seconds ?? DEFAULT_HEALTH_CHECK.intervalSeconds,
    timeoutSeconds: given?.timeout_seconds ?? DEFAULT_HEALTH_CHECK.timeoutSeconds,
    gateSeconds: given?.gate_seconds ?? DEFAULT_HEALTH_CHECK.gateSeconds,
  };
}

function healthCheckFields(h: HealthCheck): NonNullable<CreateAppRequest['health_check']> {
  return { path: h.path, interval_seconds: h.intervalSeconds, timeout_seconds: h.timeoutSeconds, gate_seconds: h.gateSeconds };
}

/** `base` with the given entries set, and those given as `null` removed. */
function variables(given: Record<string, string | null> | undefined, base: Record<string, string>, field: string): Record<string, string> {
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new ValidationError(`${field} must map variable names to values`, field);
  }
  const result = { ...base };
  for (const [name, value] of Object.entries(given ?? {})) {
    if (value === null) delete result[name];
    else if (typeof value !== 'string') throw new ValidationError('value must be a string (or null to remove it)', `${field}.${name}`);
    else result[name] = value;
  }
  return result;
}

/** Lower-cased host names, each a DNS name, none twice. */
export function checkDomains(domains: readonly string[]): string[] {
  if (!Array.isArray(domains)) throw new ValidationError('domains must be a list of host names', 'domains');
  if (domains.length > MAX_DOMAINS) throw new ValidationError(`at most ${MAX_DOMAINS} domains`, 'domains');
  const seen = new Set<string>();
  return domains.map((d, i) => {
    const host = typeof d === 'string' ? d.toLowerCase() : '';
    if (!isDnsName(host)) throw new ValidationError('must be a host name like "app.example.com" (letters, digits, "-" and dots)', `domains[${i}]`);
    if (seen.has(host)) throw new ValidationError(`${host} is listed twice`, `domains[${i}]`);
    seen.add(host);
    return host;
  });
}

export function isDnsName(host: string): boolean {
  return host.length > 0 && host.length <= 253 && host.split('.').every((label) => DNS_LABEL.test(label));
}

function defaultDomains(name: string, baseDomain: string): string[] {
  return baseDomain === '' ? [] : [`${name}.${baseDomain.toLowerCase()}`];
}

function checkWatchPaths(given: string[] | undefined, source: AppSource): string[] | undefined {
  if (given === undefined || given.length === 0) return undefined;
  if (!Array.isArray(given) || given.some((p) => typeof p !== 'string')) throw new ValidationError('watch_paths must be a list of patterns', 'watch_paths');
  if (source.type !== 'git') throw new ValidationError('watch_paths apply to apps built from git_repo', 'watch_paths');
  WatchPaths.parse(given);
  return [...given];
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, V>>);
}
