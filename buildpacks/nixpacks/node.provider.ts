import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import { withNodeLayout } from './node-layout';
import { shellWord } from '../dockerfile-text';
import { detectNodeInstall } from '../node-package-manager';
import { chooseNodeImage, nodeVersionLine, requestedNodeVersion } from './node-version';
import type { Provider } from './provider';

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
 * The package manager follows the lockfile; `build` runs when the
 * package.json has a build script. The start command is `npm start` whatever the package
 * manager, because npm runs any package's scripts and needs no download at container start.
 */
const plainNodeProvider: Provider = {
  name: 'node',
  looksFor: 'package.json (node)',
  detect: (workspace) => workspace.readFile('package.json') !== undefined,
  plan(workspace, settings, variables) {
    const manifest = readPackageJson(workspace);
    const node = chooseNodeImage(requestedNodeVersion(workspace, manifest.engines, variables), settings);
    const { packageManager, runner, install } = detectNodeInstall(workspace);
    const start = hasScript(manifest, 'start') ? 'npm start' : entryPoint(workspace, manifest);
    return {
      image: node.image,
      install: install ? [install] : [],
      build: hasScript(manifest, 'build') ? [`${runner} run build`] : [],
      ...(start !== undefined ? { start } : {}),
      variables: { ...NODE_DEFAULT_VARIABLES },
      facts: { packageManager },
      summary: [nodeVersionLine(node)],
      details: {
        node: { major: node.major, image: node.image, imageKey: node.key, asked: node.asked ?? null, ...(node.warning !== undefined ? { warning: node.warning } : {}) },
      },
    };
  },
};

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
 * Without a start script, in Nixpacks' order: `node <main>` when package.json names a file that
 * exists, else `node index.js`, else `node <main>` (which the start check refuses, or warns about
 * when the build may create it), else `npm start` when there is a server.js (npm's own default
 * for a missing start script).
 */
function entryPoint(workspace: Workspace, manifest: PackageJson): string | undefined {
  const main = typeof manifest.main === 'string' && manifest.main.trim() !== '' ? manifest.main : undefined;
  if (main !== undefined && workspace.readFile(main.replace(/^\.\/+/, '')) !== undefined) return `node ${shellWord(main)}`;
  if (workspace.exists('index.js')) return 'node index.js';
  if (main !== undefined) return `node ${shellWord(main)}`;
  return workspace.exists('server.js') ? 'npm start' : undefined;
}
