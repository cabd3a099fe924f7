import * as TOML from '@iarna/toml';
import { shownKey } from '../log-text';
import type { Workspace } from '../plan';
import { PlanError } from '../plan';

/** Config files Nixpacks reads, in the order it looks for them. */
export const CONFIG_FILES = ['nixpacks.toml', 'nixpacks.json'] as const;

/** The parts of a nixpacks.toml / nixpacks.json that Berth applies. */
export interface NixpacksConfig {
  /** The file read, or undefined when the repository has none. */
  file?: string;
  variables: Record<string, string>;
  /** Nix and apt packages asked for; recorded but not installed (there is no Nix here). */
  setup: { nixPkgs: string[]; aptPkgs: string[]; nixLibs: string[] };
  /** `[phases.install] cmds`; may contain `...` for the detected commands. */
  install?: string[];
  build?: string[];
  start?: string;
  /** `providers`: the providers to use, `...` standing for the detected one. */
  providers?: string[];
  /** Keys that Nixpacks knows but Berth does not apply, shown in the plan summary. */
  ignored: string[];
}

type Table = Record<string, unknown>;

const SETUP_LISTS = ['nixPkgs', 'aptPkgs', 'nixLibs'] as const;
/** Names `ENV` and `sh` accept; checked here so a bad name is reported against the file. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readNixpacksConfig(workspace: Workspace): NixpacksConfig {
  const empty: NixpacksConfig = { variables: {}, setup: { nixPkgs: [], aptPkgs: [], nixLibs: [] }, ignored: [] };
  for (const file of CONFIG_FILES) {
    const text = workspace.readFile(file);
    if (text !== undefined) return readTables(file, parseFile(file, text), empty);
  }
  return empty;
}

function parseFile(file: string, text: string): Table {
  let parsed: unknown;
  try {
    parsed = file.endsWith('.json') ? JSON.parse(text) : TOML.parse(text);
  } catch (error) {
    // TOML errors carry a multi-line source excerpt; the first line says what and where.
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new PlanError(`${file} cannot be parsed: ${reason}`, 'invalid_repository', file);
  }
  return asTable(file, '', parsed);
}

function readTables(file: string, root: Table, empty: NixpacksConfig): NixpacksConfig {
  const config: NixpacksConfig = { ...empty, file, ignored: [] };
  for (const [key, value] of Object.entries(root)) {
    if (key === 'variables') config.variables = readVariables(file, asTable(file, key, value));
    else if (key === 'phases') readPhases(file, asTable(file, key, value), config);
    else if (key === 'start') readStart(file, asTable(file, key, value), config);
    else if (key === 'providers') config.providers = stringList(file, 'providers', value);
    else config.ignored.push(shownKey(key));
  }
  return config;
}

function readVariables(file: string, table: Table): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(table)) {
    if (!VARIABLE_NAME.test(name)) {
      const problem = 'which is not a variable name (letters, digits and _, not starting with a digit)';
      throw invalid(file, 'variables', `holds ${JSON.stringify(name)}, ${problem}`);
    }
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw invalid(file, `variables.${name}`, 'must be a string');
    }
    variables[name] = String(value);
  }
  return variables;
}

function readPhases(file: string, phases: Table, config: NixpacksConfig): void {
  for (const [name, value] of Object.entries(phases)) {
    const phase = asTable(file, `phases.${shownKey(name)}`, value);
    if (name === 'setup') readSetup(file, phase, config);
    else if (name === 'install' || name === 'build') readCommands(file, name, phase, config);
    else config.ignored.push(`phases.${shownKey(name)}`);
  }
}

function readSetup(file: string, phase: Table, config: NixpacksConfig): void {
  for (const [key, value] of Object.entries(phase)) {
    const list = SETUP_LISTS.find((name) => name === key);
    if (list === undefined) {
      config.ignored.push(`phases.setup.${shownKey(key)}`);
      continue;
    }
    // `...` stands for Nixpacks' default packages, which mean nothing without Nix.
    config.setup[list] = stringList(file, `phases.setup.${key}`, value).filter((pkg) => pkg !== '...');
  }
}

function readCommands(file: string, name: 'install' | 'build', phase: Table, config: NixpacksConfig): void {
  for (const [key, value] of Object.entries(phase)) {
    if (key === 'cmds') config[name] = stringList(file, `phases.${name}.cmds`, value);
    else config.ignored.push(`phases.${name}.${shownKey(key)}`);
  }
}

function readStart(file: string, start: Table, config: NixpacksConfig): void {
  for (const [key, value] of Object.entries(start)) {
    if (key !== 'cmd') {
      config.ignored.push(`start.${shownKey(key)}`);
    } else if (typeof value === 'string') {
      config.start = value;
    } else {
      throw invalid(file, 'start.cmd', 'must be a string');
    }
  }
}

function asTable(file: string, path: string, value: unknown): Table {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
    return value as Table;
  }
  throw invalid(file, path || '(top level)', 'must be a table');
}

function stringList(file: string, path: string, value: unknown): string[] {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw invalid(file, path, 'must be a list of strings');
}

function invalid(file: string, path: string, problem: string): PlanError {
  return new PlanError(`${file}: ${path} ${problem}`, 'invalid_repository', file);
}
