import { ValidationError } from '../errors';
import { isValidImageReference } from '../builds/image-reference';
import { CONTROL, ENV_NAME, parseCpus, parseMemory } from '../services/container-spec';
import type { RunRequest } from '../models/run.model';
import type { RunSpec } from './run.record';

export interface RunLimits {
  defaultTimeoutSeconds: number;
  maxTimeoutSeconds: number;
  maxStdinBytes: number;
}

/** The capabilities Docker grants by default: a run may keep these, nothing stronger. */
export const ALLOWED_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
] as const;

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_ARGS = 4096;

/** True when `id` can name a run at all (checked before any Redis access). */
export function isValidRunId(id: string): boolean {
  return RUN_ID.test(id);
}

/** Turns a request body into a run spec plus its stdin, or throws ValidationError naming the API field. */
export function validateRunRequest(req: RunRequest, limits: RunLimits, newId: () => string): { spec: RunSpec; stdin?: string } {
  if (typeof req.image !== 'string' || !isValidImageReference(req.image)) {
    throw new ValidationError('image must be an image reference such as "debian:12" or "registry.example.com/team/tool:1.2"', 'image');
  }
  const timeoutSeconds = parseTimeout(req.timeout_seconds, limits);
  const spec: RunSpec = {
    id: newId(),
    image: req.image,
    command: parseCommand(req.command),
    env: parseEnv(req.env ?? {}),
    timeoutSeconds,
    ...(req.memory !== undefined ? { memoryBytes: parseMemory(req.memory) } : {}),
    ...(req.cpus !== undefined ? { nanoCpus: parseCpus(req.cpus) } : {}),
    network: parseNetwork(req.network),
    capAdd: parseCapAdd(req.cap_add ?? []),
  };
  const stdin = parseStdin(req.stdin, limits.maxStdinBytes);
  return stdin === undefined ? { spec } : { spec, stdin };
}

function parseCommand(command: unknown): string[] {
  if (!Array.isArray(command) || command.length === 0 || command.length > MAX_ARGS || command.some((a) => typeof a !== 'string' || a.includes('\0'))) {
    throw new ValidationError(`command must be a non-empty array of strings without NUL characters (at most ${MAX_ARGS}); it is not run through a shell`, 'command');
  }
  if ((command[0] as string) === '') throw new ValidationError('command[0], the program, must not be empty', 'command');
  return [...(command as string[])];
}

export function parseEnv(env: unknown): Record<string, string> {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new ValidationError('env must be an object of names to string values', 'env');
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw new ValidationError(`${JSON.stringify(name)} is not a valid variable name`, `env.${name}`);
    if (typeof value !== 'string') throw new ValidationError('value must be a string', `env.${name}`);
    if (CONTROL.test(value)) throw new ValidationError('value must not contain control characters such as newlines', `env.${name}`);
  }
  return { ...(env as Record<string, string>) };
}

export function parseTimeout(value: unknown, limits: RunLimits): number {
  if (value === undefined) return limits.defaultTimeoutSeconds;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > limits.maxTimeoutSeconds) {
    throw new ValidationError(`timeout_seconds must be a whole number from 1 to ${limits.maxTimeoutSeconds}`, 'timeout_seconds');
  }
  return value;
}

export function parseNetwork(value: unknown): RunSpec['network'] {
  if (value === undefined) return 'none';
  if (value !== 'none' && value !== 'bridge') throw new ValidationError('network must be "none" (default) or "bridge"', 'network');
  return value;
}

function parseCapAdd(value: unknown): string[] {
  if (!Array.isArray(value)) throw new ValidationError('cap_add must be an array of capability names', 'cap_add');
  const allowed: readonly string[] = ALLOWED_CAPABILITIES;
  const names = value.map((c) => (typeof c === 'string' ? c.toUpperCase().replace(/^CAP_/, '') : ''));
  const bad = names.find((c) => !allowed.includes(c));
  if (bad !== undefined) throw new ValidationError(`cap_add may only name ${allowed.join(', ')}`, 'cap_add');
  return [...new Set(names)];
}

function parseStdin(value: unknown, maxBytes: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError('stdin must be text', 'stdin');
  if (Buffer.byteLength(value) > maxBytes) throw new ValidationError(`stdin must be at most ${maxBytes} bytes`, 'stdin');
  return value;
}
