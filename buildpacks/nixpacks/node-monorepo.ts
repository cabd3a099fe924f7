import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import { shellWord } from '../dockerfile-text';
import { nxApp } from './node-nx';
import type { MonorepoApp, WorkspacePackage } from './node-workspaces';
import { hasStartScript, hasWorkspaces, readManifest, workspacePackages } from './node-workspaces';

export const TURBO_APP_VARIABLE = 'NIXPACKS_TURBO_APP_NAME';

/**
 * Monorepos as Nixpacks reads them, in its order: nx (nx.json and an app name), then turborepo
 * (turbo.json), then plain npm/yarn/pnpm workspaces. In every case the install runs at the root,
 * which installs every package of the workspace. Undefined for a single-package repository.
 */
export function detectMonorepo(workspace: Workspace, root: Record<string, unknown>, variables: Record<string, string>): MonorepoApp | undefined {
  const nx = nxApp(workspace, root, variables);
  if (nx !== undefined) return nx;
  if (workspace.readFile('turbo.json') !== undefined) return turborepoApp(workspace, root, variables);
  if (!hasWorkspaces(workspace, root)) return undefined;
  return { tool: 'workspaces', dir: '', ...(hasStartScript(root) ? {} : { unchosen: workspacesHint(workspacePackages(workspace, root)) }) };
}

/**
 * Turborepo, as Nixpacks' turborepo.rs: the build is `npx turbo run build` when turbo.json has a
 * `build` task; NIXPACKS_TURBO_APP_NAME picks the app to start (its folder name or package name).
 *
 * Where Berth differs: the chosen app starts with `npm --prefix <folder> start` (Nixpacks:
 * `npm --workspace <name> run start`, which fails when the folder and package names differ, or
 * `yarn workspace`/`pnpm --filter`, which would need yarn or pnpm at run time); without a build
 * task the build is `npx turbo run build --filter=<name>` (Nixpacks' `turbo run <name>:build` is
 * not turbo syntax); an app name that matches no package is refused rather than warned about;
 * and turbo's `start` task is refused when it would start several apps in one container.
 */
function turborepoApp(workspace: Workspace, root: Record<string, unknown>, variables: Record<string, string>): MonorepoApp {
  const tasks = turboTasks(workspace);
  const packages = workspacePackages(workspace, root);
  const name = variables[TURBO_APP_VARIABLE]?.trim() || undefined;
  if (name === undefined) return turborepoWithoutName(tasks, packages, root);
  const app = packages.find((candidate) => candidate.name === name || candidate.dir.split('/').pop() === name);
  if (app === undefined) {
    const known = packages.map((candidate) => candidate.name).join(', ') || 'none found';
    throw new PlanError(
      `nixpacks: ${TURBO_APP_VARIABLE}="${name}" matches no package of the turborepo's workspaces (packages: ${known})`,
      'invalid_repository',
      TURBO_APP_VARIABLE,
    );
  }
  const build = tasks.has('build') ? 'npx turbo run build' : `npx turbo run build --filter=${shellWord(app.name)}`;
  const start = hasStartScript(app.manifest)
    ? { start: `npm --prefix ${shellWord(app.dir)} start` }
    : { unchosen: `the app "${app.name}" (${app.dir}/) has no start script and is not a front-end app Berth can serve` };
  return { tool: 'turborepo', dir: app.dir, name: app.name, build, ...start };
}

function turborepoWithoutName(tasks: Set<string>, packages: WorkspacePackage[], root: Record<string, unknown>): MonorepoApp {
  const build = tasks.has('build') ? { build: 'npx turbo run build' } : {};
  const startable = packages.filter((candidate) => hasStartScript(candidate.manifest));
  const choose = `set ${TURBO_APP_VARIABLE} to the app to run (${packages.map((candidate) => candidate.name).join(', ') || 'no packages found'})`;
  if (tasks.has('start') && startable.length <= 1) return { tool: 'turborepo', dir: '', ...build, start: 'npx turbo run start' };
  if (tasks.has('start')) {
    return { tool: 'turborepo', dir: '', ...build, unchosen: `turbo's start task would start ${startable.length} apps in one container: ${choose}` };
  }
  return { tool: 'turborepo', dir: '', ...build, ...(hasStartScript(root) ? {} : { unchosen: `the turborepo's root has no start script: ${choose}` }) };
}

/** Task names of turbo.json (`tasks`, or `pipeline` before turbo 2); none when it does not parse. */
function turboTasks(workspace: Workspace): Set<string> {
  const turbo = readManifest(workspace, 'turbo.json') ?? {};
  const names = [turbo.tasks, turbo.pipeline].flatMap((tasks) => (tasks !== null && typeof tasks === 'object' ? Object.keys(tasks) : []));
  // `web#build` names a task of one package; turbo runs `build` for the rest.
  return new Set(names.map((task) => task.split('#').pop() ?? task));
}

function workspacesHint(packages: WorkspacePackage[]): string {
  const startable = packages.filter((candidate) => hasStartScript(candidate.manifest));
  const example = startable[0] !== undefined ? ` (e.g. npm --prefix ${shellWord(startable[0].dir)} start)` : '';
  return `the workspace root has no start script: add one, or set nixpacks.startCommand to start one package${example}`;
}
