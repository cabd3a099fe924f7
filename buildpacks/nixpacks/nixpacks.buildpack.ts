import type { BuildPlan, Buildpack, BuildpackSettings, PlanRequest, Workspace } from '../plan';
import { PlanError } from '../plan';
import { argLines, assertImageRef, assertPlainPath, buildArgValues, cmdShell, envLines, runShell } from '../dockerfile-text';
import { buildEnvLines, shownKey } from '../log-text';
import { pathEnvLine } from '../node-install';
import { GENERATED_DOCKERFILE, staticServeImage } from '../static/static.buildpack';
import { fillTemplate } from '../template';
import { GO_BIN_VARIABLE } from './go.provider';
import type { NixpacksConfig } from './nixpacks-config';
import { readNixpacksConfig } from './nixpacks-config';
import { nixpacksDockerfileTemplate } from './nixpacks.dockerfile';
import type { ResolvedPhases } from './nixpacks-phases';
import { resolvePhases } from './nixpacks-phases';
import type { Procfile } from './procfile';
import { readProcfile, releaseThenStart } from './procfile';
import type { DetectedPlan } from './provider';
import { selectProvider, type ProviderSelection } from './provider-selection';
import { PYTHON_INSTALL_VARIABLES } from './python-install';
import { checkRelease, checkStart } from './start-check';
import { STATICFILE_ROOT_VARIABLE } from './staticfile.provider';
import { startProcess } from './start-command';
import { frontEndSitePlan } from './node-site';
import type { FrontEndSite } from './node-spa';

export { PROVIDERS } from './provider-selection';

/** NIXPACKS_* variables the providers read (beyond those nixpacks-phases.ts knows), so they are not listed as ignored. */
const PROVIDER_VARIABLES = [STATICFILE_ROOT_VARIABLE, GO_BIN_VARIABLE, ...PYTHON_INSTALL_VARIABLES];

/** Everything one plan is made from, passed between the small steps below. */
interface PlanParts {
  workspace: Workspace;
  request: PlanRequest;
  selection: ProviderSelection;
  language: string;
  detected: DetectedPlan;
  config: NixpacksConfig;
  phases: ResolvedPhases;
  procfile: Procfile;
  /** What may stop the image from starting but cannot be known before the build. */
  warnings: string[];
}

/**
 * Detects the language as Nixpacks does and writes a Dockerfile from the detected phases,
 * after nixpacks.toml / nixpacks.json, NIXPACKS_* variables and the request's options.
 */
export const nixpacksBuildpack: Buildpack = (workspace, request, settings) => {
  const config = readNixpacksConfig(workspace);
  const selection = selectProvider(workspace, config);
  const provider = selection.provider;
  const detected = provider.plan(workspace, settings, { ...config.variables, ...request.env, ...request.nixpacks?.variables });
  const procfile = readProcfile(workspace);
  const resolved = resolvePhases(detected, config, request, procfile.start);
  const phases = { ...resolved, ignoredVariables: resolved.ignoredVariables.filter((name) => !PROVIDER_VARIABLES.includes(name)) };
  // A start command the user set runs the app itself; the detected one never beats the static server.
  const site = ['detected', 'none'].includes(phases.sources.start) ? detected.site : undefined;
  const parts: PlanParts = {
    workspace,
    request,
    selection,
    language: provider.name,
    detected,
    config,
    phases,
    procfile,
    warnings:
      detected.serveDir === undefined && site === undefined
        ? [...checkStart(workspace, phases, detected.runtimeTools ?? [], detected.appDir ?? ''), ...checkRelease(workspace, procfile.release, phases.build.length > 0)]
        : [],
  };
  if (detected.serveDir !== undefined) return staticSitePlan(parts, detected.serveDir, settings);
  return site !== undefined ? builtSitePlan(parts, site, settings) : appPlan(parts);
};

function appPlan(parts: PlanParts): BuildPlan {
  const { detected, phases, language } = parts;
  if (phases.start === undefined && detected.missingStart !== undefined) {
    throw new PlanError(`nixpacks: ${detected.missingStart.message}`, 'invalid_repository', detected.missingStart.field);
  }
  if (phases.start === undefined) {
    throw new PlanError(
      `nixpacks: no start command for this ${language} app: set nixpacks.startCommand, [start] cmd in ` + 'nixpacks.toml, or a Procfile "web:" line',
      'invalid_repository',
      'nixpacks.startCommand',
    );
  }
  const { variables, buildEnv } = phases;
  const run = startProcess(parts.workspace, phases.start, phases.sources.start);
  const startShell = startWithRelease(run.shell, parts.procfile);
  // For a name `env` sets, the build sees env's value: ENV would override the ARG.
  const buildVariables = Object.fromEntries(Object.entries(variables).filter(([name]) => !Object.hasOwn(buildEnv, name)));
  const dockerfile = fillTemplate(nixpacksDockerfileTemplate, {
    image: assertImageRef(detected.image, `images.${language}`),
    setup: [...pathEnvLine(detected.paths ?? []), ...(detected.setup ?? []).map((cmd) => runShell(cmd, 'setup'))],
    buildArgs: argLines(buildEnv, 'env'),
    buildEnv: [...envLines(buildVariables, 'variables'), ...venvPath(parts)],
    install: phases.install.map((cmd) => runShell(cmd, 'phases.install')),
    build: phases.build.map((cmd) => runShell(cmd, 'phases.build')),
    env: [...envLines(variables, 'variables'), ...venvPath(parts)],
    path: pathEnvLine(detected.paths ?? []),
    keep: keptPaths(parts).map((path) => `COPY --from=build ${assertPlainPath(path, 'runtimePaths')} ${path}`),
    start: cmdShell(startShell, 'start'),
  });
  return {
    buildpack: 'nixpacks',
    summary: [
      ...headerLines(parts),
      ...(detected.setup ?? []).map((cmd) => `setup: ${cmd}`),
      phaseLine('install', phases.install.join(' && '), phases.sources.install),
      phaseLine('build', phases.build.join(' && '), phases.sources.build),
      ...releaseLine(parts.procfile),
      phaseLine('start', phases.start, startSource(parts)),
      ...(run.note !== undefined ? [`runs: ${run.note}`] : []),
      ...variablesLine(parts),
      ...buildEnvLines(parts.phases.buildEnv),
      ...ignoredLine(parts, []),
      ...parts.warnings.map((warning) => `WARNING ${warning}`),
    ],
    details: {
      ...baseDetails(parts),
      ...(parts.procfile.release !== undefined ? { release: parts.procfile.release } : {}),
      start: phases.start,
      startShell,
      warnings: parts.warnings,
    },
    images: [
      {
        tag: parts.request.imageTag,
        context: '',
        dockerfile: GENERATED_DOCKERFILE,
        files: { [GENERATED_DOCKERFILE]: dockerfile },
        buildArgs: buildArgValues(buildEnv, 'env'),
      },
    ],
  };
}

/**
 * A plain static site runs no phases: nginx serves it. Overrides and variables cannot apply,
 * so they are listed as ignored rather than silently dropped.
 */
function staticSitePlan(parts: PlanParts, serveDir: string, settings: BuildpackSettings): BuildPlan {
  const { phases } = parts;
  const overridden = (['install', 'build', 'start'] as const)
    .filter((phase) => !['detected', 'none'].includes(phases.sources[phase]))
    .map((phase) => `${phase} (${phases.sources[phase]})`);
  const release = parts.procfile.release !== undefined ? ['release (Procfile)'] : [];
  const unused = [...overridden, ...release, ...Object.keys({ ...phases.variables, ...phases.buildEnv }).sort()];
  return {
    buildpack: 'nixpacks',
    summary: [...headerLines(parts), `serve: ${serveDir === '' ? './' : `${serveDir}/`} with nginx, spa fallback off`, ...ignoredLine(parts, unused)],
    details: { ...baseDetails(parts), phases: { ...setupDetails(parts.config), install: [], build: [] }, start: null },
    images: [staticServeImage({ tag: parts.request.imageTag, sourceDir: serveDir, serverImage: settings.images.staticServer, spa: false })],
  };
}

/** A front-end app: built on the provider's image, its output served by nginx (node-site.ts). */
function builtSitePlan(parts: PlanParts, site: FrontEndSite, settings: BuildpackSettings): BuildPlan {
  return frontEndSitePlan({
    site,
    detected: parts.detected,
    phases: parts.phases,
    tag: parts.request.imageTag,
    serverImage: settings.images.staticServer,
    header: headerLines(parts),
    tail: [...variablesLine(parts), ...buildEnvLines(parts.phases.buildEnv), ...ignoredLine(parts, [])],
    details: baseDetails(parts),
  });
}

function baseDetails(parts: PlanParts): Record<string, unknown> {
  return {
    language: parts.language,
    providers: parts.selection.matched,
    image: parts.detected.image,
    ...parts.detected.facts,
    ...parts.detected.details,
    configFile: parts.config.file ?? null,
    phases: { ...setupDetails(parts.config, parts.detected.setup), install: parts.phases.install, build: parts.phases.build },
    sources: parts.phases.sources,
    // Values too: they are in the image's config anyway. `env` is secret: names only.
    variables: parts.phases.variables,
    buildEnv: Object.keys(parts.phases.buildEnv).sort(),
    ignored: [...parts.config.ignored, ...parts.phases.ignoredVariables],
  };
}

const SETUP_NOTE = 'Nix and apt packages cannot be installed: the app is built on the configured base image, which has no package manager';

/** `commands`: what the provider's setup runs (e.g. installs pnpm), when it runs anything. */
function setupDetails(config: NixpacksConfig, commands: string[] = []): { setup: Record<string, unknown> } {
  const { nixPkgs, aptPkgs, nixLibs } = config.setup;
  const requested = nixPkgs.length + aptPkgs.length + nixLibs.length > 0;
  return { setup: { nixPkgs, aptPkgs, nixLibs, ...(commands.length > 0 ? { commands } : {}), ...(requested ? { note: SETUP_NOTE } : {}) } };
}

function headerLines(parts: PlanParts): string[] {
  const facts = Object.values(parts.detected.facts);
  const flavour = facts.length > 0 ? ` (${facts.join(', ')})` : '';
  const chosen = parts.selection.chosenBy !== undefined ? `${parts.language}${flavour} (from ${parts.selection.chosenBy} providers)` : undefined;
  const lines = [
    chosen !== undefined ? `nixpacks: ${chosen}` : `nixpacks: detected ${parts.language}${flavour}`,
    `image: ${parts.detected.image}`,
    ...(parts.detected.summary ?? []),
  ];
  if (parts.config.file !== undefined) lines.push(`config: ${parts.config.file}`);
  const { nixPkgs, aptPkgs, nixLibs } = parts.config.setup;
  const packages = [...nixPkgs, ...aptPkgs, ...nixLibs].map(shownKey);
  if (packages.length > 0) {
    lines.push(`setup: WARNING ignored ${packages.join(', ')}: Nix and apt packages cannot be installed here`);
  }
  return lines;
}

function phaseLine(phase: string, commands: string, source: string): string {
  const from = source === 'detected' || source === 'none' ? '' : ` (from ${source})`;
  return `${phase}: ${commands === '' ? '(none)' : commands}${from}`;
}

/** Names only, except a provider default still in force: its value is fixed and not secret. */
function variablesLine(parts: PlanParts): string[] {
  const { variables, buildEnv } = parts.phases;
  const defaults = parts.detected.variables ?? {};
  const shown = Object.keys(variables)
    .sort()
    .map((name) => (defaults[name] === variables[name] && !Object.hasOwn(buildEnv, name) ? `${name}=${variables[name]} (default)` : name));
  return shown.length > 0 ? [`variables: ${shown.join(', ')}`] : [];
}

function ignoredLine(parts: PlanParts, unused: string[]): string[] {
  const ignored = [...parts.config.ignored, ...parts.phases.ignoredVariables, ...unused];
  return ignored.length > 0 ? [`ignored: ${ignored.join(', ')}`] : [];
}

/** The start command, run after the Procfile's `release:` command when there is one (procfile.ts says why at start). */
function startWithRelease(start: string, procfile: Procfile): string {
  return procfile.release !== undefined && procfile.release.trim() !== '' ? releaseThenStart(procfile.release, start) : start;
}

function releaseLine(procfile: Procfile): string[] {
  return procfile.release !== undefined ? [`release: ${procfile.release} (from Procfile, run before start at each container start)`] : [];
}

/** `Procfile` names the process type when it is not `web` (Nixpacks' fallback to another type). */
function startSource(parts: PlanParts): string {
  const source = parts.phases.sources.start;
  return source === 'Procfile' && parts.procfile.process !== 'web' ? `Procfile ${parts.procfile.process ?? ''}:` : source;
}

/** The provider's run-time folders; its venv only when the install or build commands still create it. */
function keptPaths(parts: PlanParts): string[] {
  const { venv, runtimePaths = [] } = parts.detected;
  const commands = [...parts.phases.install, ...parts.phases.build];
  return runtimePaths.filter((path) => path !== venv || commands.some((command) => command.includes(path)));
}

/** `ENV PATH` with the venv's bin first; `$PATH` is the base image's, expanded by the builder. */
function venvPath(parts: PlanParts): string[] {
  const venv = parts.detected.venv;
  return venv !== undefined && keptPaths(parts).includes(venv) ? [`ENV PATH=${assertPlainPath(venv, 'venv')}/bin:$PATH`] : [];
}
