import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import type { ResolvedPhases } from './nixpacks-phases';

/**
 * Checks, at plan time, what the start command relies on, so that a build never ends
 * `succeeded` with an image that exits at once: the file it runs exists in the checkout, and
 * the programs it calls are in the image at run time. Returns the warnings for what the build
 * may still create (a `dist/` file with a build phase); throws PlanError for what cannot start.
 */
export function checkStart(workspace: Workspace, phases: ResolvedPhases, runtimeTools: readonly string[], appDir = ''): string[] {
  const start = phases.start;
  if (start === undefined) return [];
  // A monorepo app starts with `npm --prefix <its folder> start`: its script runs in that folder.
  const { script, dir } = npmStartScript(workspace, start, appDir);
  const shown = script !== undefined ? `"${start}" (package.json start script "${script}")` : `"${start}"`;
  const commands = script !== undefined ? [start, script] : [start];
  for (const command of commands) refuseMissingTools(command, shown, runtimeTools);
  const warnings = commands.flatMap((command) => yarnWarning(command, shown, runtimeTools));
  // A command the user wrote is theirs to answer for: only detected ones are checked for files.
  if (!['detected', 'Procfile'].includes(phases.sources.start)) return warnings;
  const target = runTarget(script ?? start);
  if (target === undefined || targetExists(workspace, target, dir)) return warnings;
  const file = dir === '' ? target.file : `${dir}/${target.file}`;
  const missing = `the start command ${shown} runs ${file}, which is not in the repository`;
  if (phases.build.length > 0) return [...warnings, `${missing}: the build must create it, or the app will not start`];
  throw new PlanError(`nixpacks: ${missing}: set nixpacks.startCommand, or add ${file}`, 'invalid_repository', 'nixpacks.startCommand');
}

/**
 * The Procfile's `release:` command, which runs before the app at each start: a file it runs
 * (`node migrate.js`, `./bin/release`) must be in the repository, as for the start command.
 */
export function checkRelease(workspace: Workspace, release: string | undefined, hasBuild: boolean): string[] {
  const target = release === undefined ? undefined : runTarget(release);
  if (target === undefined || targetExists(workspace, target)) return [];
  const missing = `the Procfile release command "${release}" runs ${target.file}, which is not in the repository`;
  if (hasBuild) return [`${missing}: the build must create it, or the app will not start`];
  throw new PlanError(`nixpacks: ${missing}: add ${target.file}, or change the release line`, 'invalid_repository', 'Procfile');
}

/** Package managers the node image lacks at run time unless the plan installs them. */
const NOT_IN_IMAGE = ['pnpm', 'pnpx', 'bun', 'bunx'];
/** Official Node images ship yarn classic: a start command may run it, if the configured image has it. */
const IN_OFFICIAL_IMAGES = ['yarn', 'yarnpkg'];

function yarnWarning(command: string, shown: string, runtimeTools: readonly string[]): string[] {
  const tool = commandWords(command).find((word) => IN_OFFICIAL_IMAGES.includes(word) && !runtimeTools.includes(word));
  return tool === undefined ? [] : [`the start command ${shown} runs ${tool} at run time: the node image must have it (official Node images ship yarn classic)`];
}

function refuseMissingTools(command: string, shown: string, runtimeTools: readonly string[]): void {
  const missing = commandWords(command).find((word) => NOT_IN_IMAGE.includes(word) && !runtimeTools.includes(word));
  if (missing === undefined) return;
  throw new PlanError(
    `nixpacks: the start command ${shown} runs ${missing}, which the image does not have at run time: ` +
      'set nixpacks.startCommand to a command that runs node (e.g. node server.js)',
    'invalid_repository',
    'nixpacks.startCommand',
  );
}

/** The program of each command in a `a && b; c | d` line, and the one `corepack`/`npx` runs. */
function commandWords(command: string): string[] {
  return command.split(/&&|\|\||[;|]/).flatMap((segment) => {
    const words = segment.trim().split(/\s+/);
    const first = words[0] ?? '';
    return ['corepack', 'npx', 'exec'].includes(first) && words[1] !== undefined ? [first, words[1]] : [first];
  });
}

/**
 * The start script `npm start` / `npm run start` runs, when the command is just that, and the
 * folder it runs in: the root, or `appDir` for `npm --prefix <appDir> start`.
 */
function npmStartScript(workspace: Workspace, start: string, appDir: string): { script?: string; dir: string } {
  const match = /^(?:npm (?:--prefix (\S+) )?(?:start|run start|run-script start)|(?:pnpm|yarn|bun) (?:start|run start))$/.exec(start);
  if (match === null) return { dir: '' };
  const prefix = (match[1] ?? '').replace(/^'(.*)'$/, '$1').replace(/^\.\/+|\/+$/g, '');
  // Only the folder the plan chose is trusted; another prefix is the user's to answer for.
  if (prefix !== '' && prefix !== appDir) return { dir: '' };
  try {
    const manifest: unknown = JSON.parse(workspace.readFile(prefix === '' ? 'package.json' : `${prefix}/package.json`) ?? '');
    const script: unknown = (manifest as { scripts?: Record<string, unknown> } | null)?.scripts?.start;
    return { dir: prefix, ...(typeof script === 'string' && script.trim() !== '' ? { script: script.trim() } : {}) };
  } catch {
    return { dir: prefix };
  }
}

interface RunTarget {
  runtime: 'node' | 'python' | 'file';
  file: string;
}

/** A plain (or single-quoted) relative path, as a start command names a file. */
const PATH_WORD = `('[^']+'|(?:\\.\\/)?[A-Za-z0-9_@+][A-Za-z0-9_./@+-]*)(\\s|$)`;

/**
 * The file a start command runs: `node <file>`, `python <file>`, `sh|bash <file>`, or a program
 * given by a relative path (`./start.sh`, `bin/web`; a bare name is looked up on PATH). Anything
 * else is not a file run.
 */
function runTarget(command: string): RunTarget | undefined {
  const trimmed = command.trim();
  const interpreted = new RegExp(`^(node|python3?|sh|bash)\\s+${PATH_WORD}`).exec(trimmed);
  const program = new RegExp(`^${PATH_WORD}`).exec(trimmed);
  const word = interpreted?.[2] ?? (program?.[1]?.includes('/') ? program[1] : undefined);
  if (word === undefined) return undefined;
  const file = word.startsWith("'") ? word.slice(1, -1) : word;
  if (file.split('/').includes('..')) return undefined;
  const runtime = interpreted?.[1] === 'node' ? 'node' : interpreted?.[1]?.startsWith('python') ? 'python' : 'file';
  return { runtime, file: file.replace(/^\.\//, '') };
}

/** Node resolves `node server` to server.js and `node lib` to lib/index.js; Python runs the path as given. */
function targetExists(workspace: Workspace, target: RunTarget, dir = ''): boolean {
  const file = (dir === '' ? target.file : `${dir}/${target.file}`).replace(/\/+$/, '');
  const candidates =
    target.runtime === 'node'
      ? [file, `${file}.js`, `${file}.cjs`, `${file}.mjs`, `${file}/index.js`]
      : target.runtime === 'python'
        ? [file, `${file}/__main__.py`]
        : [file];
  return candidates.some((path) => workspace.readFile(path) !== undefined);
}
