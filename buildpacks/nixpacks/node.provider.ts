import type { BuildpackSettings, Workspace } from '../plan';
import { PlanError } from '../plan';
import { withNodeLayout } from './node-layout';
import { shellWord } from '../dockerfile-text';
import type { NodeInstall } from '../node-install';
import { detectNodeInstall, packageManagerDetails, packageManagerLine } from '../node-install';
import { chooseNodeImage, nodeVersionLine, requestedNodeVersion } from './node-version';
import type { DetectedPlan, Provider } from './provider';

/**
 * Nixpacks' Node defaults (`get_node_environment_variables`): set as ARG + ENV, so they hold
 * while building and at run time. NPM_CONFIG_PRODUCTION=false keeps devDependencies installed
 * for the build despite NODE_ENV; CI=true makes tools non-interactive.
 */
export const NODE_DEFAULT_VARIABLES: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  NPM_CONFIG_PRODUCTION: 'false',
  CI: 'true',
};

interface PackageJson {
  scripts?: Record<string, unknown>;
  main?: unknown;
  engines?: unknown;
}

/**
 * Node.js (package.json). The base image follows the Node version asked for (node-version.ts).
 * The package manager follows `packageManager` and the lockfiles (node-package-manager.ts) and is
 * installed into the image for the build and the start command; `build` runs when the
 * package.json has a build script. A start script runs as Nixpacks runs it, with the package
 * manager (`pnpm run start`; yarn berry's Plug'n'Play needs yarn to load the packages), except
 * npm's, which stays `npm start`. bun projects build only on the configured bun image.
 */
const plainNodeProvider: Provider = {
  name: 'node',
  looksFor: 'package.json (node)',
  detect: (workspace) => workspace.readFile('package.json') !== undefined,
  plan(workspace, settings, variables) {
    const manifest = readPackageJson(workspace);
    const tools = detectNodeInstall(workspace);
    if (tools.manager.name === 'bun') return bunPlan(workspace, manifest, tools, settings);
    const node = chooseNodeImage(requestedNodeVersion(workspace, manifest.engines, variables), settings);
    const start = hasScript(manifest, 'start') ? (tools.runner === 'npm' ? 'npm start' : `${tools.runner} run start`) : entryPoint(workspace, manifest, 'node');
    return {
      image: node.image,
      ...toolFields(tools),
      build: hasScript(manifest, 'build') ? [`${tools.runner} run build`] : [],
      ...(start !== undefined ? { start } : {}),
      variables: { ...NODE_DEFAULT_VARIABLES, ...tools.variables },
      facts: { packageManager: tools.manager.name },
      summary: [nodeVersionLine(node), packageManagerLine(tools)],
      details: {
        node: { major: node.major, image: node.image, imageKey: node.key, asked: node.asked ?? null, ...(node.warning !== undefined ? { warning: node.warning } : {}) },
        ...packageManagerDetails(tools),
      },
    };
  },
};

/** The install phase and what the package manager adds to the image. */
function toolFields(tools: NodeInstall): Pick<DetectedPlan, 'setup' | 'paths' | 'install' | 'runtimePaths' | 'runtimeTools'> {
  return {
    setup: tools.setup,
    paths: tools.paths,
    install: tools.install !== undefined ? [tools.install] : [],
    runtimePaths: tools.runtimePaths,
    runtimeTools: tools.runtimeTools,
  };
}

/**
 * bun projects (Nixpacks installs bun through Nix): built and run on `[buildpacks] bun_image`,
 * never with npm, whose install would ignore bun's lockfile. Without that image, refused.
 */
function bunPlan(workspace: Workspace, manifest: PackageJson, tools: NodeInstall, settings: BuildpackSettings): DetectedPlan {
  const image = settings.images.bun;
  if (image === undefined || image === '') {
    throw new PlanError(
      `nixpacks: this is a bun project (${tools.manager.source}) and no bun image is configured: ` +
        'set [buildpacks] bun_image to an image with bun (e.g. "oven/bun:1"), or build it with another package manager and its lockfile',
      'invalid_repository',
      'buildpacks.bun_image',
    );
  }
  const start = hasScript(manifest, 'start') ? 'bun run start' : entryPoint(workspace, manifest, 'bun');
  return {
    image,
    ...toolFields(tools),
    build: hasScript(manifest, 'build') ? ['bun run build'] : [],
    ...(start !== undefined ? { start } : {}),
    variables: { ...NODE_DEFAULT_VARIABLES },
    facts: { packageManager: 'bun' },
    summary: [`bun: on ${image} (bun_image)`, packageManagerLine(tools)],
    details: { bun: { image, imageKey: 'bun_image' }, ...packageManagerDetails(tools) },
  };
}

/** With the monorepo and front-end rules (node-layout.ts): which app runs, and whether nginx serves its build. */
export const nodeProvider: Provider = withNodeLayout(plainNodeProvider);

function readPackageJson(workspace: Workspace): PackageJson {
  try {
    const parsed: unknown = JSON.parse(workspace.readFile('package.json') ?? '');
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    // Reported below with the file name, which JSON.parse's message lacks.
  }
  throw new PlanError('package.json is not a valid JSON object', 'invalid_repository', 'package.json');
}

function hasScript(manifest: PackageJson, name: string): boolean {
  const script = manifest.scripts?.[name];
  return typeof script === 'string' && script.trim() !== '';
}

/**
 * Without a start script, in Nixpacks' order: `<executor> <main>` when package.json names a file
 * that exists, else `<executor> index.js`, else (bun) `bun index.ts`, else `node <main>` (which
 * the start check refuses, or warns about when the build may create it), else `npm start` when
 * there is a server.js (npm's own default for a missing start script). The executor is `bun` for
 * bun projects, as Nixpacks' `get_executor`, else `node`.
 */
function entryPoint(workspace: Workspace, manifest: PackageJson, executor: 'node' | 'bun'): string | undefined {
  const main = typeof manifest.main === 'string' && manifest.main.trim() !== '' ? manifest.main : undefined;
  if (main !== undefined && workspace.readFile(main.replace(/^\.\/+/, '')) !== undefined) return `${executor} ${shellWord(main)}`;
  if (workspace.exists('index.js')) return `${executor} index.js`;
  if (executor === 'bun' && workspace.exists('index.ts')) return 'bun index.ts';
  if (main !== undefined) return `${executor} ${shellWord(main)}`;
  if (executor === 'bun') return undefined;
  return workspace.exists('server.js') ? 'npm start' : undefined;
}
