import { ValidationError } from '../errors';
import type { ContainerSpec, PortBinding, RestartPolicyName } from '../engine/engine.port';
import type { CreateContainerRequest } from '../models/container.model';
import { isValidImageReference } from '../builds/image-reference';

/** Label keys under this prefix belong to Berth; clients may not set them. */
export const LABEL_PREFIX = 'berth.';
export const MANAGED_LABEL = 'berth.managed';
export const INSTANCE_LABEL = 'berth.instance';
/** Marks Berth's own containers (the API, its Redis): never stopped or removed through the API. */
export const SYSTEM_LABEL = 'berth.system';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** True when `ref` can name a container at all (id, id prefix or name); others cannot exist. */
export function isContainerRef(ref: string): boolean {
  return NAME.test(ref);
}
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,254}$/;
/** Control characters (tab allowed): a value holding them can split or garble what reads it. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const MEMORY = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i;
const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const MIN_MEMORY = 6 * 1024 * 1024;
/** Date.parse alone would read "foo 1" as a date in 2001. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?)?$/;

/** Turns a create request into an engine spec, or throws ValidationError naming the field. */
export function toContainerSpec(req: CreateContainerRequest, instance: string): ContainerSpec {
  if (typeof req.image !== 'string' || !isValidImageReference(req.image)) {
    throw new ValidationError('image must be an image reference like "nginx:alpine" (lower case, no spaces) or an image id', 'image');
  }
  if (req.name !== undefined && !NAME.test(req.name)) {
    throw new ValidationError('name may hold letters, digits, "_", "." and "-", and must start with a letter or digit', 'name');
  }
  return {
    image: req.image,
    ...(req.name !== undefined ? { name: req.name } : {}),
    ...(req.command !== undefined ? { command: parseCommand(req.command) } : {}),
    env: parseEnvironment(req.environment ?? {}),
    // Every berth.* key Berth reads is set here: the engine merges the image's labels under these,
    // and a Dockerfile `LABEL berth.system=true` must not reach the container.
    labels: { ...parseLabels(req.labels ?? {}), [MANAGED_LABEL]: 'true', [INSTANCE_LABEL]: instance, [SYSTEM_LABEL]: 'false' },
    ports: parsePorts(req.ports ?? {}),
    restartPolicy: parseRestartPolicy(req.restart_policy ?? 'no'),
    ...(req.memory !== undefined ? { memoryBytes: parseMemory(req.memory) } : {}),
    ...(req.cpus !== undefined ? { nanoCpus: parseCpus(req.cpus) } : {}),
    ...(parseInit(req.init) ? { init: true } : {}),
  };
}

function parseInit(value: unknown): boolean {
  if (value === undefined || typeof value === 'boolean') return value === true;
  throw new ValidationError('init must be true or false', 'init');
}

export function parsePorts(ports: Record<string, string | number>): PortBinding[] {
  return Object.entries(ports).map(([host, container]) => {
    const field = `ports.${host}`;
    const target = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(String(container).trim());
    const containerPort = Number(target?.[1]);
    if (!target || !validPort(containerPort)) {
      throw new ValidationError(`container port must be 1-65535, optionally with /tcp, /udp or /sctp; got ${JSON.stringify(container)}`, field);
    }
    const source = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d{1,5})$/.exec(host.trim());
    const hostPort = Number(source?.[2]);
    if (!source || !validPort(hostPort) || (source[1] && !validAddress(source[1]))) {
      throw new ValidationError(`host side must be a port 1-65535, optionally "ADDRESS:PORT"; got ${JSON.stringify(host)}`, field);
    }
    return {
      containerPort,
      protocol: (target[2] ?? 'tcp').toLowerCase() as PortBinding['protocol'],
      hostPort,
      ...(source[1] ? { hostIp: source[1].replace(/^\[|\]$/g, '') } : {}),
    };
  });
}

export function parseRestartPolicy(value: string): ContainerSpec['restartPolicy'] {
  const match = /^(no|always|unless-stopped|on-failure)(?::(\d{1,4}))?$/.exec(value);
  if (!match || (match[2] !== undefined && match[1] !== 'on-failure')) {
    throw new ValidationError('restart_policy must be no, always, unless-stopped, on-failure or on-failure:N', 'restart_policy');
  }
  const name = match[1] as RestartPolicyName;
  return match[2] !== undefined ? { name, maximumRetryCount: Number(match[2]) } : { name };
}

export function parseMemory(value: string | number): number {
  const match = MEMORY.exec(String(value).trim());
  const bytes = match ? Math.floor(Number(match[1]) * (UNITS[(match[2] ?? '').toLowerCase()] ?? 1)) : NaN;
  if (!Number.isFinite(bytes) || bytes < MIN_MEMORY) {
    throw new ValidationError('memory must be at least 6m: bytes, or a number with unit b, k, m or g (e.g. "512m")', 'memory');
  }
  return bytes;
}

export function parseCpus(value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1024) {
    throw new ValidationError('cpus must be a positive number of cores, e.g. 0.5', 'cpus');
  }
  return Math.round(value * 1e9);
}

function parseCommand(command: string[] | string): string[] {
  const parts = Array.isArray(command)
    ? command
    : command
        .trim()
        .split(/\s+/)
        .filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => typeof p !== 'string' || p.includes('\0'))) {
    throw new ValidationError('command must be a non-empty list of strings (or a string split on spaces)', 'command');
  }
  return parts;
}

function parseEnvironment(env: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw new ValidationError(`${JSON.stringify(name)} is not a valid variable name`, `environment.${name}`);
    if (typeof value !== 'string') throw new ValidationError('value must be a string', `environment.${name}`);
    if (CONTROL.test(value)) throw new ValidationError('value must not contain control characters such as newlines', `environment.${name}`);
  }
  return { ...env };
}

function parseLabels(labels: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    if (key.startsWith(LABEL_PREFIX)) throw new ValidationError(`labels starting with "${LABEL_PREFIX}" are reserved for Berth`, `labels.${key}`);
    if (!LABEL_KEY.test(key)) throw new ValidationError(`${JSON.stringify(key)} is not a valid label key`, `labels.${key}`);
    if (typeof value !== 'string') throw new ValidationError('label values must be strings', `labels.${key}`);
    if (CONTROL.test(value)) throw new ValidationError('label values must not contain control characters such as newlines', `labels.${key}`);
  }
  return { ...labels };
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

function validAddress(address: string): boolean {
  if (address.startsWith('[')) return true;
  return address.split('.').every((part) => Number(part) <= 255);
}

/** `since` for logs: Unix seconds, an RFC 3339 time, or a duration back from now (`10m`, `2h`). */
export function parseSince(value: string, now = Date.now()): number {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.floor(Number(trimmed));
  const duration = /^(\d+)(s|m|h|d)$/.exec(trimmed);
  if (duration) {
    const seconds = Number(duration[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[duration[2] as 's' | 'm' | 'h' | 'd'];
    return Math.floor(now / 1000) - seconds;
  }
  const time = RFC3339.test(trimmed) ? Date.parse(trimmed) : NaN;
  if (Number.isNaN(time)) throw new ValidationError('since must be Unix seconds, an RFC 3339 time or a duration like 10m', 'since');
  return Math.floor(time / 1000);
}

/** `tail` for logs: a line count, or `all`. */
export function parseTail(value: string): number | undefined {
  if (value === 'all') return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new ValidationError('tail must be a number of lines or "all"', 'tail');
  return Number(value);
}
