import type { ImageConfigChanges } from '../engine/engine.port';
import { ValidationError } from '../errors';

/** The changes as the client sent them: the same shape, unchecked. */
export type ImageChanges = ImageConfigChanges;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
const PORT = /^(\d{1,5})(?:\/(tcp|udp))?$/;
// Control characters (newlines included) would let one change smuggle in another instruction.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_TEXT = 4096;
const MAX_ITEMS = 100;

/**
 * Checks the changes and answers them normalised (ports as `port/tcp`), for the engine to write
 * as the Dockerfile lines its import and commit take. `prefix` is the API's name of the object
 * holding them (`changes.` or empty), so that every error names the field the client sent.
 */
export function checkChanges(changes: ImageChanges, prefix = ''): ImageConfigChanges {
  const checked: ImageConfigChanges = {};
  if (changes.cmd !== undefined) checked.cmd = checkCmd(changes.cmd, `${prefix}cmd`);
  if (changes.env !== undefined) {
    for (const [name, value] of entries(changes.env, `${prefix}env`)) {
      if (!ENV_NAME.test(name)) throw new ValidationError(`${JSON.stringify(name)} is not an environment variable name (letters, digits, "_")`, `${prefix}env`);
      checkText(value, `${prefix}env`);
    }
    checked.env = { ...changes.env };
  }
  if (changes.workdir !== undefined) checked.workdir = checkWorkdir(changes.workdir, `${prefix}workdir`);
  if (changes.expose !== undefined) checked.expose = list(changes.expose, `${prefix}expose`).map((port) => checkPort(port, `${prefix}expose`));
  if (changes.labels !== undefined) {
    for (const [key, value] of entries(changes.labels, `${prefix}labels`)) {
      if (!LABEL_KEY.test(key)) throw new ValidationError(`${JSON.stringify(key)} is not a label key (letters, digits, ".", "_", "/", "-")`, `${prefix}labels`);
      if (key.startsWith('berth.')) throw new ValidationError(`${JSON.stringify(key)}: keys under "berth." are Berth's own`, `${prefix}labels`);
      checkText(value, `${prefix}labels`);
    }
    checked.labels = { ...changes.labels };
  }
  return checked;
}

/** `cmd` as the query parameter gives it: a JSON array of strings. */
export function parseCmd(text: string, field: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError('must be a JSON array of strings, e.g. ["sh","-c","echo hi"]', field);
  }
  if (!Array.isArray(parsed)) throw new ValidationError('must be a JSON array of strings, e.g. ["sh","-c","echo hi"]', field);
  return checkCmd(parsed, field);
}

/** `NAME=value` items (repeated query parameters) → a map; a name given twice is refused. */
export function parseEnvPairs(items: string[], field: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ValidationError(`${JSON.stringify(item.slice(0, 64))} must be NAME=value`, field);
    const name = item.slice(0, eq);
    if (Object.hasOwn(env, name)) throw new ValidationError(`${JSON.stringify(name)} is given twice`, field);
    env[name] = item.slice(eq + 1);
  }
  return env;
}

function checkCmd(cmd: unknown[], field: string): string[] {
  if (!Array.isArray(cmd)) throw new ValidationError('must be an array of strings', field);
  if (cmd.length === 0 || cmd.length > MAX_ITEMS) throw new ValidationError(`must hold 1 to ${MAX_ITEMS} strings`, field);
  return cmd.map((arg) => {
    if (typeof arg !== 'string') throw new ValidationError('must be an array of strings', field);
    return checkText(arg, field);
  });
}

function checkWorkdir(dir: string, field: string): string {
  checkText(dir, field);
  if (!dir.startsWith('/') || /\s/.test(dir) || dir.includes('$')) {
    throw new ValidationError('must be an absolute path without spaces or "$"', field);
  }
  return dir;
}

function checkPort(value: string, field: string): string {
  if (typeof value !== 'string') throw new ValidationError('must be an array of strings', field);
  const match = PORT.exec(value);
  const port = match ? Number(match[1]) : 0;
  if (port < 1 || port > 65535) throw new ValidationError(`${JSON.stringify(value.slice(0, 64))} is not a port (1-65535, optionally /tcp or /udp)`, field);
  return `${port}/${match?.[2] ?? 'tcp'}`;
}

/** One line of text: no newlines or other control characters, at most 4096 characters. */
export function checkText(value: string, field: string): string {
  if (typeof value !== 'string') throw new ValidationError('must be a string', field);
  if (value.length > MAX_TEXT) throw new ValidationError(`must be at most ${MAX_TEXT} characters`, field);
  if (CONTROL.test(value)) throw new ValidationError('must not contain newlines or other control characters', field);
  return value;
}

function entries(map: Record<string, string>, field: string): Array<[string, string]> {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new ValidationError('must be an object of strings', field);
  const all = Object.entries(map);
  if (all.length > MAX_ITEMS) throw new ValidationError(`must hold at most ${MAX_ITEMS} entries`, field);
  return all;
}

function list(items: string[], field: string): string[] {
  if (!Array.isArray(items)) throw new ValidationError('must be an array of strings', field);
  if (items.length > MAX_ITEMS) throw new ValidationError(`must hold at most ${MAX_ITEMS} entries`, field);
  return items;
}
