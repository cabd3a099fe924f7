import { PlanRequest } from '../plan';
import { NixpacksConfig } from './nixpacks-config';
import { DetectedPlan } from './provider';

/** Variables that steer the planner, as in Nixpacks; they are consumed, not set in the image. */
const CONTROL_VARIABLES = {
  install: 'NIXPACKS_INSTALL_CMD',
  build: 'NIXPACKS_BUILD_CMD',
  start: 'NIXPACKS_START_CMD',
} as const;
const REQUEST_OPTIONS = { install: 'installCommand', build: 'buildCommand', start: 'startCommand' } as const;

/** Stands for the detected commands inside a `cmds` list of the config file. */
export const DETECTED_COMMANDS = '...';

/** Where a phase's commands came from, for the summary: an option, variable, file, or 'detected'. */
export type PhaseSource = string;

export interface ResolvedPhases {
  install: string[];
  build: string[];
  start?: string;
  sources: { install: PhaseSource; build: PhaseSource; start: PhaseSource };
  /** Environment of the image (build and runtime): every variable except NIXPACKS_* ones. */
  variables: Record<string, string>;
  /** NIXPACKS_* variables Berth has no use for (versions, Nix packages...). */
  ignoredVariables: string[];
}

/**
 * Applies overrides to the detected phases. Precedence, highest first: the request's nixpacks
 * options, NIXPACKS_*_CMD variables, the config file, then detection (a Procfile `web:` line
 * before the provider's own start command). Variables merge the config file's `[variables]`,
 * then the request's `env`, then `nixpacks.variables`, later ones winning.
 */
export function resolvePhases(
  detected: DetectedPlan,
  config: NixpacksConfig,
  request: PlanRequest,
  procfileWeb: string | undefined,
): ResolvedPhases {
  const merged = { ...config.variables, ...request.env, ...request.nixpacks?.variables };
  const install = resolveCommands('install', detected.install, config, merged, request);
  const build = resolveCommands('build', detected.build, config, merged, request);
  const start = resolveStart(detected, config, merged, request, procfileWeb);
  const control = Object.keys(merged).filter((name) => name.startsWith('NIXPACKS_'));
  const known: string[] = Object.values(CONTROL_VARIABLES);
  return {
    install: install.value,
    build: build.value,
    ...(start.value !== undefined ? { start: start.value } : {}),
    sources: { install: install.source, build: build.source, start: start.source },
    variables: Object.fromEntries(Object.entries(merged).filter(([name]) => !control.includes(name))),
    ignoredVariables: control.filter((name) => !known.includes(name)).sort(),
  };
}

interface Resolved<T> {
  value: T;
  source: PhaseSource;
}

function resolveCommands(
  phase: 'install' | 'build',
  detected: string[],
  config: NixpacksConfig,
  variables: Record<string, string>,
  request: PlanRequest,
): Resolved<string[]> {
  const option = REQUEST_OPTIONS[phase];
  const fromRequest = request.nixpacks?.[option];
  if (fromRequest !== undefined) return { value: single(fromRequest), source: `nixpacks.${option}` };
  const fromVariable = variables[CONTROL_VARIABLES[phase]];
  if (fromVariable !== undefined) return { value: single(fromVariable), source: CONTROL_VARIABLES[phase] };
  const fromConfig = config[phase];
  if (fromConfig !== undefined && config.file !== undefined) {
    const cmds = fromConfig.flatMap((cmd) => (cmd === DETECTED_COMMANDS ? detected : [cmd]));
    return { value: cmds, source: config.file };
  }
  return { value: detected, source: 'detected' };
}

function resolveStart(
  detected: DetectedPlan,
  config: NixpacksConfig,
  variables: Record<string, string>,
  request: PlanRequest,
  procfileWeb: string | undefined,
): Resolved<string | undefined> {
  const candidates: Array<[string | undefined, PhaseSource]> = [
    [request.nixpacks?.startCommand, 'nixpacks.startCommand'],
    [variables[CONTROL_VARIABLES.start], CONTROL_VARIABLES.start],
    [config.start, config.file ?? 'config'],
    [procfileWeb, 'Procfile'],
    [detected.start, 'detected'],
  ];
  for (const [cmd, source] of candidates) {
    if (cmd !== undefined && cmd.trim() !== '') return { value: cmd.trim(), source };
  }
  return { value: undefined, source: 'none' };
}

/** A one-command override; an empty string explicitly means "no command in this phase". */
function single(cmd: string): string[] {
  return cmd.trim() === '' ? [] : [cmd.trim()];
}
