import type { Workspace } from '../plan';
import type { PhaseSource } from './nixpacks-phases';
import { readCommandList } from './shell-list';

/**
 * What the image's `CMD ["sh","-c",...]` runs for a start command, so that the app's own program
 * is the process the engine's stop signal reaches:
 * - the last command is `exec`-ed, so `sh` does not stay in between (`node server.js` becomes
 *   `exec node server.js`, `npm run migrate && node server.js` becomes
 *   `npm run migrate && exec node server.js`);
 * - a detected `npm start` (or `yarn start`, `pnpm start`) runs the package.json start script
 *   itself, with `/app/node_modules/.bin` on PATH as npm puts it. The package manager would
 *   otherwise be the process: it stays in memory beside the app, and as PID 1 (no init) it turns
 *   a stop into exit code 1 and `npm error` lines.
 * A command this cannot read safely (pipes, `||`, a builtin last) runs as written.
 */
export interface StartProcess {
  /** The shell text of the CMD. */
  shell: string;
  /** Said in the plan when the command run is not the start command itself. */
  note?: string;
}

/**
 * Shell builtins and keywords: `exec` would look for a program of that name instead, which the
 * image may not have (`time`, `echo` ...), so a command ending with one is left as written.
 */
const BUILTINS = new Set(
  (
    '. : [ alias bg break cd command continue echo eval exit export false fg getopts hash jobs kill let local printf pwd read readonly ' +
    'return set shift source test time times trap true type ulimit umask unalias unset wait'
  ).split(' '),
);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const PACKAGE_START = /^(?:npm (?:--prefix ([A-Za-z0-9_][A-Za-z0-9_./-]*) )?(?:start|run start|run-script start)|yarn (?:start|run start)|pnpm (?:start|run start))$/;
/** npm's own PATH addition for scripts, for the folder the app is in (the image's WORKDIR). */
const SCRIPT_PATH = 'PATH=/app/node_modules/.bin:$PATH';

export function startProcess(workspace: Workspace, start: string, source: PhaseSource): StartProcess {
  const match = PACKAGE_START.exec(start);
  if (source === 'detected' && match !== null && !(start.startsWith('yarn') && plugAndPlay(workspace))) {
    // `npm --prefix <dir> start` (a monorepo's app) runs the script in that folder, with both
    // node_modules/.bin folders on PATH, as npm does.
    const dir = (match[1] ?? '').replace(/\/+$/, '');
    if (dir.split('/').includes('..')) return { shell: execLast(start) ?? start };
    const script = startScript(workspace, dir);
    const direct = script === undefined ? undefined : execLast(script.command);
    if (script !== undefined && direct !== undefined) {
      const prefix = dir === '' ? `${SCRIPT_PATH}; ` : `cd ${dir} && PATH=/app/${dir}/node_modules/.bin:/app/node_modules/.bin:$PATH; `;
      return { shell: `${prefix}${direct}`, note: `${script.command} (${script.from}, run directly so that the app receives the stop signal)` };
    }
  }
  return { shell: execLast(start) ?? start };
}

/**
 * `text` with its last command `exec`-ed, or undefined when that could change what it does: when
 * the text is not a list of simple commands, the last one is a builtin, or a `trap` (which `exec`
 * would skip) comes before it. A command that already starts with `exec` is returned as it is.
 */
export function execLast(text: string): string | undefined {
  const commands = readCommandList(text);
  if (commands === undefined) return undefined;
  const programs = commands.map((command) => command.words.find((word) => !ASSIGNMENT.test(word.text)));
  if (programs.some((program, index) => program?.text === 'trap' || (program?.text === 'exec' && index < commands.length - 1))) return undefined;
  const program = programs.at(-1);
  if (program === undefined) return undefined;
  if (program.text === 'exec') return text;
  if (BUILTINS.has(program.text)) return undefined;
  return `${text.slice(0, program.start)}exec ${text.slice(program.start)}`;
}

/**
 * The command `npm start` runs: the start script, when there is no prestart/poststart script
 * (npm would run them around it), else npm's own default `node server.js` when there is no start
 * script and a server.js.
 */
function startScript(workspace: Workspace, dir: string): { command: string; from: string } | undefined {
  const scripts = readScripts(workspace, dir);
  if (scripts === undefined || Object.hasOwn(scripts, 'prestart') || Object.hasOwn(scripts, 'poststart')) return undefined;
  const script = Object.hasOwn(scripts, 'start') ? scripts.start : undefined;
  if (typeof script === 'string' && script.trim() !== '') return { command: script.trim(), from: 'the package.json start script' };
  if (script === undefined && workspace.readFile(dir === '' ? 'server.js' : `${dir}/server.js`) !== undefined)
    return { command: 'node server.js', from: "npm's default start for server.js" };
  return undefined;
}

/**
 * Yarn 2+ without `nodeLinker: node-modules` installs Plug'n'Play: no node_modules, and only
 * `yarn start` puts its loader in place, so the script cannot run without yarn.
 */
function plugAndPlay(workspace: Workspace): boolean {
  if (!(workspace.readFile('yarn.lock') ?? '').includes('__metadata')) return false;
  return !/^nodeLinker:\s*["']?node-modules["']?\s*$/m.test(workspace.readFile('.yarnrc.yml') ?? '');
}

function readScripts(workspace: Workspace, dir: string): Record<string, unknown> | undefined {
  try {
    const manifest: unknown = JSON.parse(workspace.readFile(dir === '' ? 'package.json' : `${dir}/package.json`) ?? '');
    const scripts: unknown = (manifest as { scripts?: unknown } | null)?.scripts ?? {};
    return scripts !== null && typeof scripts === 'object' && !Array.isArray(scripts) ? (scripts as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
