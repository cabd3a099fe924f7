import type { BuildPlan, Buildpack, BuildpackSettings, PlanRequest } from '../plan';
import { PlanError } from '../plan';
import { argLines, assertImageRef, assertPlainPath, buildArgValues, cmdShell, envLines, runShell } from '../dockerfile-text';
import { buildEnvLines, shownKey } from '../log-text';
import { pathEnvLine } from '../node-install';
import { GENERATED_DOCKERFILE, staticServeImage } from '../static/static.buildpack';
import { fillTemplate } from '../template';
import { goProvider } from './go.provider';
import type { NixpacksConfig } from './nixpacks-config';
import { readNixpacksConfig } from './nixpacks-config';
import { nixpacksDockerfileTemplate } from './nixpacks.dockerfile';
import type { ResolvedPhases } from './nixpacks-phases';
import { resolvePhases } from './nixpacks-phases';
import { nodeProvider } from './node.provider';
import { readProcfileWeb } from './procfile';
import type { DetectedPlan, Provider } from './provider';
import { pythonProvider } from './python.provider';
import { checkStart } from './start-check';
import { staticfileProvider } from './staticfile.provider';

/**
 * Providers in Nixpacks' detection order (Go, Node, Python, then static files): the first that
 * matches builds the app, so a Go service with a package.json for its front-end tooling stays Go.
 */
export const PROVIDERS: readonly Provider[] = [goProvider, nodeProvider, pythonProvider, staticfileProvider];

/** Everything one plan is made from, passed between the small steps below. */
interface PlanParts {
  request: PlanRequest;
  providers: string[];
  language: string;
  detected: DetectedPlan;
  config: NixpacksConfig;
  phases: ResolvedPhases;
  /** What may stop the image from starting but cannot be known before the build. */
  warnings: string[];
}

/**
 * Detects the language as Nixpacks does and writes a Dockerfile from the detected phases,
 * after nixpacks.toml / nixpacks.json, NIXPACKS_* variables and the request's options.
 */
export const nixpacksBuildpack: Buildpack = (workspace, request, settings) => {
  const matched = PROVIDERS.filter((provider) => provider.detect(workspace));
  const provider = matched[0];
  if (provider === undefined) {
    const lookedFor = PROVIDERS.map((candidate) => candidate.looksFor).join('; ');
    throw new PlanError(`nixpacks: could not detect the app's language; looked for ${lookedFor}`);
  }
  const config = readNixpacksConfig(workspace);
  const detected = provider.plan(workspace, settings, { ...config.variables, ...request.env, ...request.nixpacks?.variables });
  const phases = resolvePhases(detected, config, request, readProcfileWeb(workspace));
  const parts: PlanParts = {
    request,
    providers: matched.map((candidate) => candidate.name),
    language: provider.name,
    detected,
    config,
    phases,
    warnings: detected.serveDir === undefined ? checkStart(workspace, phases, detected.runtimeTools ?? []) : [],
  };
  return detected.serveDir !== undefined ? staticSitePlan(parts, detected.serveDir, settings) : appPlan(parts);
};

function appPlan(parts: PlanParts): BuildPlan {
  const { detected, phases, language } = parts;
  if (phases.start === undefined) {
    throw new PlanError(
      `nixpacks: no start command for this ${language} app: set nixpacks.startCommand, [start] cmd in ` + 'nixpacks.toml, or a Procfile "web:" line',
      'invalid_repository',
      'nixpacks.startCommand',
    );
  }
  const { variables, buildEnv } = phases;
  // For a name `env` sets, the build sees env's value: ENV would override the ARG.
  const buildVariables = Object.fromEntries(Object.entries(variables).filter(([name]) => !Object.hasOwn(buildEnv, name)));
  const dockerfile = fillTemplate(nixpacksDockerfileTemplate, {
    image: assertImageRef(detected.image, `images.${language}`),
    setup: [...pathEnvLine(detected.paths ?? []), ...(detected.setup ?? []).map((cmd) => runShell(cmd, 'setup'))],
    buildArgs: argLines(buildEnv, 'env'),
    buildEnv: envLines(buildVariables, 'variables'),
    install: phases.install.map((cmd) => runShell(cmd, 'phases.install')),
    build: phases.build.map((cmd) => runShell(cmd, 'phases.build')),
    env: envLines(variables, 'variables'),
    path: pathEnvLine(detected.paths ?? []),
    keep: (detected.runtimePaths ?? []).map((path) => `COPY --from=build ${assertPlainPath(path, 'runtimePaths')} ${path}`),
    start: cmdShell(phases.start, 'start'),
  });
  return {
    buildpack: 'nixpacks',
    summary: [
      ...headerLines(parts),
      ...(detected.setup ?? []).map((cmd) => `setup: ${cmd}`),
      phaseLine('install', phases.install.join(' && '), phases.sources.install),
      phaseLine('build', phases.build.join(' && '), phases.sources.build),
      phaseLine('start', phases.start, phases.sources.start),
      ...variablesLine(parts),
      ...buildEnvLines(parts.phases.buildEnv),
      ...ignoredLine(parts, []),
      ...parts.warnings.map((warning) => `WARNING ${warning}`),
    ],
    details: { ...baseDetails(parts), start: phases.start, warnings: parts.warnings },
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
  const unused = [...overridden, ...Object.keys({ ...phases.variables, ...phases.buildEnv }).sort()];
  return {
    buildpack: 'nixpacks',
    summary: [...headerLines(parts), `serve: ${serveDir === '' ? './' : `${serveDir}/`} with nginx, spa fallback off`, ...ignoredLine(parts, unused)],
    details: { ...baseDetails(parts), phases: { ...setupDetails(parts.config), install: [], build: [] }, start: null },
    images: [staticServeImage({ tag: parts.request.imageTag, sourceDir: serveDir, serverImage: settings.images.staticServer, spa: false })],
  };
}

function baseDetails(parts: PlanParts): Record<string, unknown> {
  return {
    language: parts.language,
    providers: parts.providers,
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
  const lines = [`nixpacks: detected ${parts.language}${flavour}`, `image: ${parts.detected.image}`, ...(parts.detected.summary ?? [])];
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
