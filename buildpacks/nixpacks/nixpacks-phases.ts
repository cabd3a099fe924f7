import type { PlanRequest } from '../plan';
import type { NixpacksConfig } from './nixpacks-config';
import { NODE_LAYOUT_VARIABLES } from './node-layout';
import type { DetectedPlan } from './provider';

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
  /**
   * Variables of the image, set while building and kept for run time: the provider's defaults,
   * the config file's `[variables]` and the request's `nixpacks.variables`, except NIXPACKS_*
   * ones. Not secret.
   */
  variables: Record<string, string>;
  /**
   * The request's `env`, except NIXPACKS_* ones and names `nixpacks.variables` sets: secret and
   * for the build only, so these never reach the image (see nixpacks.buildpack.ts).
   */
  buildEnv: Record<string, string>;
  /** NIXPACKS_* variables Berth has no use for (versions, Nix packages...). */
  ignoredVariables: string[];
}

/**
 * Applies overrides to the detected phases. Precedence, highest first: the request's nixpacks
 * options, NIXPACKS_*_CMD variables, the config file, then detection (a Procfile `web:` line
 * before the provider's own start command). Variables merge the provider's defaults, the config
 * file's `[variables]`, then the request's `env`, then `nixpacks.variables`, later ones winning,
 * for the build; the image keeps the defaults, the config file's and `nixpacks.variables`, never
 * `env` (a default that `env` overrides is overridden for the build only).
 */
export function resolvePhases(detected: DetectedPlan, config: NixpacksConfig, request: PlanRequest, procfileWeb: string | undefined): ResolvedPhases {
  const merged = { ...config.variables, ...request.env, ...request.nixpacks?.variables };
  const install = resolveCommands('install', detected.install, config, merged, request);
  const build = resolveCommands('build', detected.build, config, merged, request);
  const start = resolveStart(detected, config, merged, request, procfileWeb);
  const control = Object.keys(merged).filter((name) => name.startsWith('NIXPACKS_'));
  // NIXPACKS_NODE_VERSION is read by the node provider (node-version.ts), the others by node-spa.ts and node-monorepo.ts.
  const known: string[] = [...Object.values(CONTROL_VARIABLES), 'NIXPACKS_NODE_VERSION', ...NODE_LAYOUT_VARIABLES];
  const requestVariables = request.nixpacks?.variables ?? {};
  const runtime = { ...detected.variables, ...config.variables, ...requestVariables };
  return {
    install: install.value,
    build: build.value,
    ...(start.value !== undefined ? { start: start.value } : {}),
    sources: { install: install.source, build: build.source, start: start.source },
    variables: without(runtime, control),
    // `nixpacks.variables` wins over `env` for a name both set.
    buildEnv: without(request.env, [...control, ...Object.keys(requestVariables)]),
    ignoredVariables: control.filter((name) => !known.includes(name)).sort(),
  };
}

function without(values: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => !names.includes(name)));
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
