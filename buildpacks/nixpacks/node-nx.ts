import { posix } from 'node:path';
import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import { shellWord } from '../dockerfile-text';
import { hasStartScript, readManifest, type MonorepoApp } from './node-workspaces';

export const NX_APP_VARIABLE = 'NIXPACKS_NX_APP_NAME';

/** Build executors of web apps: their output is a folder of files for the static server. */
const STATIC_EXECUTORS = ['@nx/vite:build', '@nrwl/vite:build', '@nrwl/web:webpack', '@nrwl/web:rollup'];
const WEBPACK_EXECUTORS = ['@nx/webpack:webpack', '@nrwl/webpack:webpack'];
const NEXT_EXECUTORS = ['@nx/next:build', '@nrwl/next:build'];

interface Target {
  executor?: unknown;
  options?: { outputPath?: unknown; main?: unknown; index?: unknown; target?: unknown };
  configurations?: { production?: unknown };
}

/**
 * Nx, as Nixpacks' nx.rs: an nx.json and an app name (NIXPACKS_NX_APP_NAME, else nx.json's
 * defaultProject) whose apps/<name>/project.json has a build target. Build:
 * `npx nx run <name>:build:production`. Start: the project's start target
 * (`:start:production` when it has a production configuration); a Next.js build runs
 * `npm run start` in its output; else `node <outputPath>/<main's file name>.js`, the output path
 * being the build's options.outputPath or dist/apps/<name>.
 *
 * Where Berth differs: a web build without a start target (the Vite executors, webpack with an
 * `index` page and not `target: node`) is served by the static server from its output path; an
 * app name that has no project.json is refused (Nixpacks falls back to the root's scripts), and
 * so is an nx.json without any app name when the root has no start script.
 */
export function nxApp(workspace: Workspace, root: Record<string, unknown>, variables: Record<string, string>): MonorepoApp | undefined {
  if (workspace.readFile('nx.json') === undefined) return undefined;
  const fromVariable = variables[NX_APP_VARIABLE]?.trim() || undefined;
  const fallback = readManifest(workspace, 'nx.json')?.defaultProject;
  const name = fromVariable ?? (typeof fallback === 'string' && fallback.trim() !== '' ? fallback.trim() : undefined);
  // A plain folder name: it becomes a path and a word of the build command.
  const plain = name !== undefined && /^[A-Za-z0-9_@][A-Za-z0-9_.@-]*$/.test(name) ? name : undefined;
  const project = plain !== undefined ? readManifest(workspace, `apps/${plain}/project.json`) : undefined;
  const build = (project?.targets as { build?: Target } | undefined)?.build;
  if (plain !== undefined && build !== undefined) return nxProject(plain, project ?? {}, build);
  const apps = workspace.list('apps').filter((dir) => workspace.readFile(`apps/${dir}/project.json`) !== undefined);
  const choose = `set ${NX_APP_VARIABLE} to an app with a build target in apps/<name>/project.json (found: ${apps.join(', ') || 'none'})`;
  if (fromVariable !== undefined) {
    throw new PlanError(`nixpacks: ${NX_APP_VARIABLE}="${fromVariable}" names no nx app with a build target: ${choose}`, 'invalid_repository', NX_APP_VARIABLE);
  }
  return hasStartScript(root) ? undefined : { tool: 'nx', dir: '', unchosen: `nx.json names no default project and the root has no start script: ${choose}` };
}

function nxProject(name: string, project: Record<string, unknown>, build: Target): MonorepoApp {
  const output = typeof build.options?.outputPath === 'string' && build.options.outputPath.trim() !== '' ? build.options.outputPath.trim() : `dist/apps/${name}`;
  const common = { tool: 'nx' as const, dir: `apps/${name}`, name, build: `npx nx run ${shellWord(`${name}:build:production`)}`, outputDir: output };
  const start = (project.targets as { start?: Target } | undefined)?.start;
  if (start !== undefined) {
    const production = start.configurations?.production !== undefined ? ':production' : '';
    return { ...common, start: `npx nx run ${shellWord(`${name}:start${production}`)}` };
  }
  const executor = typeof build.executor === 'string' ? build.executor : '';
  if (NEXT_EXECUTORS.includes(executor)) return { ...common, start: `cd ${shellWord(output)} && npm run start` };
  if (isWebBuild(executor, build)) return { ...common, staticOutput: true };
  const main = typeof build.options?.main === 'string' ? build.options.main : 'index.js';
  const file = `${posix.basename(main, posix.extname(main))}.js`;
  return { ...common, start: `node ${shellWord(`${output}/${file}`)}` };
}

function isWebBuild(executor: string, build: Target): boolean {
  if (STATIC_EXECUTORS.includes(executor)) return true;
  return WEBPACK_EXECUTORS.includes(executor) && typeof build.options?.index === 'string' && build.options.target !== 'node';
}
