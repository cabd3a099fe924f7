import { readFileSync } from 'node:fs';
import TOML from '@iarna/toml';
import { z } from 'zod';
import type { BerthConfig } from './config.schema';
import { configSchema } from './config.schema';
import { closestName, isOtherVariable } from './environment-names';

/** Thrown when the configuration cannot be used; `problems` lists every bad key. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration in ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_CONFIG_PATH = 'config/berth.toml';

type Env = Record<string, string | undefined>;
type Section = Record<string, unknown>;

/** Environment variables that set a key directly, beside the generic BERTH_<SECTION>_<KEY>. */
const ALIASES: Record<string, [string, string]> = {
  BERTH_API_TOKEN: ['auth', 'tokens'],
  BERTH_DATA_DIR: ['server', 'data_dir'],
};

/**
 * Loads the TOML file named by BERTH_CONFIG (default config/berth.toml), applies
 * BERTH_<SECTION>_<KEY> environment overrides, validates and freezes the result. A `BERTH_`
 * variable that names no key (and is not one of the scripts' own) is refused like an unknown key
 * in the file: a misspelt override must not be silently ignored.
 */
export function loadConfig(env: Env = process.env): Readonly<BerthConfig> {
  const file = env.BERTH_CONFIG ?? DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseConfig(text, file, env);
}

export function parseConfig(text: string, file: string, env: Env = {}): Readonly<BerthConfig> {
  let raw: Section;
  try {
    raw = TOML.parse(text);
  } catch (err) {
    const e = err as { line?: number; col?: number; message: string };
    const where = e.line === undefined ? '' : ` (line ${e.line + 1}, column ${(e.col ?? 0) + 1})`;
    throw new ConfigError(file, [`not valid TOML${where}: ${e.message.split('\n')[0]}`]);
  }
  const problems: string[] = [];
  applyEnvironment(raw, env, problems);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, raw)));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(file, problems);
  return deepFreeze(parsed.data);
}

function applyEnvironment(raw: Section, env: Env, problems: string[]): void {
  const shape = configSchema.shape;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.startsWith('BERTH_') || isOtherVariable(name)) continue;
    const target = ALIASES[name] ?? findKey(name);
    if (!target) {
      problems.push(unknownVariable(name));
      continue;
    }
    const [section, key] = target;
    const field = unwrap(shape[section as keyof typeof shape] as z.ZodTypeAny).shape[key] as z.ZodTypeAny;
    // A section that is not a table is reported by the schema; there is nothing to override in it.
    if (raw[section] !== undefined && (typeof raw[section] !== 'object' || Array.isArray(raw[section]))) continue;
    const sectionValue = (raw[section] ??= {}) as Section;
    const coerced = coerce(value, field);
    if (coerced === undefined) problems.push(`${name} (${section}.${key}) = ${JSON.stringify(value)}: not a valid ${typeName(field)}`);
    else sectionValue[key] = coerced;
  }
}

function unknownVariable(name: string): string {
  const hint = closestName(name, variableNames());
  return `${name}: unknown environment variable${hint ? `; did you mean ${hint}?` : ''}`;
}

/** Every variable that sets a key. */
function variableNames(): string[] {
  const names = Object.keys(ALIASES);
  for (const [section, schema] of Object.entries(configSchema.shape)) {
    for (const key of sectionKeys(schema as z.ZodTypeAny)) names.push(`BERTH_${section}_${key}`.toUpperCase());
  }
  return names;
}

function findKey(name: string): [string, string] | undefined {
  for (const [section, schema] of Object.entries(configSchema.shape)) {
    for (const key of sectionKeys(schema as z.ZodTypeAny)) {
      if (`BERTH_${section}_${key}`.toUpperCase() === name) return [section, key];
    }
  }
  return undefined;
}

/** The keys of a section; a table of tables keyed by name (`[registries."host"]`) has none to override. */
function sectionKeys(schema: z.ZodTypeAny): string[] {
  const base = unwrap(schema);
  return base instanceof z.ZodObject ? Object.keys(base.shape) : [];
}

function unwrap(schema: z.ZodTypeAny): z.ZodObject<z.ZodRawShape> {
  return baseType(schema) as z.ZodObject<z.ZodRawShape>;
}

function baseType(schema: z.ZodTypeAny): z.ZodTypeAny {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = (s._def as { innerType: z.ZodTypeAny }).innerType;
  return s;
}

function typeName(schema: z.ZodTypeAny): string {
  const base = baseType(schema);
  if (base instanceof z.ZodNumber) return 'number';
  if (base instanceof z.ZodBoolean) return 'boolean (true or false)';
  return 'value';
}

function coerce(value: string, schema: z.ZodTypeAny): unknown {
  const base = baseType(schema);
  if (base instanceof z.ZodNumber) return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : undefined;
  if (base instanceof z.ZodBoolean) return value === 'true' ? true : value === 'false' ? false : undefined;
  if (base instanceof z.ZodArray)
    return value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  return value;
}

function describeIssue(issue: z.ZodIssue, raw: Section): string[] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `${show([...issue.path, k], raw)}: unknown key`);
  return [`${show(issue.path, raw)}: ${issue.message}`];
}

/** `path = value`, with anything under auth hidden: a misspelt key there may hold a token. */
function show(keys: (string | number)[], raw: Section): string {
  const path = keys.join('.');
  const value = keys.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], raw);
  if (path.startsWith('auth')) return `${path} = "<redacted>"`;
  return `${path} = ${typeof value === 'bigint' ? String(value) : JSON.stringify(value)}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
