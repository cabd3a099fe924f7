import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import type { ResolvedPhases } from './nixpacks-phases';

/**
 * Checks, at plan time, what the start command relies on, so that a build never ends
 * `succeeded` with an image that exits at once: the file it runs exists in the checkout, and
 * the programs it calls are in the image at run time. Returns the warnings for what the build
 * may still create (a `dist/` file with a build phase); throws PlanError for what cannot start.
 */
export function checkStart(workspace: Workspace, phases: ResolvedPhases, runtimeTools: readonly string[]): string[] {
  const start = phases.start;
  if (start === undefined) return [];
  const script = npmStartScript(workspace, start);
  const shown = script !== undefined ? `"${start}" (package.json start script "${script}")` : `"${start}"`;
  const commands = script !== undefined ? [start, script] : [start];
  for (const command of commands) refuseMissingTools(command, shown, runtimeTools);
  const warnings = commands.flatMap((command) => yarnWarning(command, shown, runtimeTools));
  // A command the user wrote is theirs to answer for: only detected ones are checked for files.
  if (!['detected', 'Procfile'].includes(phases.sources.start)) return warnings;
  const target = runTarget(script ?? start);
  if (target === undefined || targetExists(workspace, target)) return warnings;
  const missing = `the start command ${shown} runs ${target.file}, which is not in the repository`;
  if (phases.build.length > 0) return [...warnings, `${missing}: the build must create it, or the app will not start`];
  throw new PlanError(`nixpacks: ${missing}: set nixpacks.startCommand, or add ${target.file}`, 'invalid_repository', 'nixpacks.startCommand');
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

/** The start script `npm start` / `pnpm run start` (yarn, bun) runs, when the command is just that. */
function npmStartScript(workspace: Workspace, start: string): string | undefined {
  if (!/^(npm (start|run start|run-script start)|(pnpm|yarn|bun) (start|run start))$/.test(start)) return undefined;
  try {
    const manifest: unknown = JSON.parse(workspace.readFile('package.json') ?? '');
    const script: unknown = (manifest as { scripts?: Record<string, unknown> } | null)?.scripts?.start;
    return typeof script === 'string' && script.trim() !== '' ? script.trim() : undefined;
  } catch {
    return undefined;
  }
}

interface RunTarget {
  runtime: 'node' | 'python';
  file: string;
}

/** `node <file>` / `python <file>` with a plain (or single-quoted) path; anything else is not a file run. */
function runTarget(command: string): RunTarget | undefined {
  const match = /^(node|python3?)\s+('[^']+'|(?:\.\/)?[A-Za-z0-9_@+][A-Za-z0-9_./@+-]*)(\s|$)/.exec(command.trim());
  if (match === null) return undefined;
  const word = match[2] ?? '';
  const file = word.startsWith("'") ? word.slice(1, -1) : word;
  if (file.split('/').includes('..')) return undefined;
  return { runtime: match[1] === 'node' ? 'node' : 'python', file: file.replace(/^\.\//, '') };
}

/** Node resolves `node server` to server.js and `node lib` to lib/index.js; Python runs the path as given. */
function targetExists(workspace: Workspace, target: RunTarget): boolean {
  const file = target.file.replace(/\/+$/, '');
  const candidates = target.runtime === 'node' ? [file, `${file}.js`, `${file}.cjs`, `${file}.mjs`, `${file}/index.js`] : [file, `${file}/__main__.py`];
  return candidates.some((path) => workspace.readFile(path) !== undefined);
}
