import type { Workspace } from '../plan';
import { shellWord } from '../dockerfile-text';

/** The processes of a Procfile that Nixpacks uses: the one it starts, and the release command. */
export interface Procfile {
  /** The start command: `web`, else `worker`, else the first other process by name, as Nixpacks picks it. */
  start?: string;
  /** The process type `start` came from, for the summary (e.g. `worker`). */
  process?: string;
  /** The `release:` command, run before the start command. */
  release?: string;
}

/** `name: command`, Heroku's format; process names are letters, digits, `_` and `-`. */
const PROCESS_LINE = /^([A-Za-z0-9_-]+)\s*:\s*(.*\S)\s*$/;

/**
 * Reads a Procfile as Nixpacks does. Nixpacks parses it as a YAML map, so a repeated name keeps
 * its last value there; Berth reads it line by line and keeps the first, the way Heroku reads it.
 */
export function readProcfile(workspace: Workspace): Procfile {
  const text = workspace.readFile('Procfile');
  if (text === undefined) return {};
  const processes = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = PROCESS_LINE.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined && !processes.has(match[1])) processes.set(match[1], match[2]);
  }
  const release = processes.get('release');
  processes.delete('release');
  const process = processes.has('web') ? 'web' : processes.has('worker') ? 'worker' : [...processes.keys()].sort()[0];
  const start = process === undefined ? undefined : processes.get(process);
  return { ...(start !== undefined ? { start, process } : {}), ...(release !== undefined ? { release } : {}) };
}

/** The `web:` process of a Procfile, or the one Nixpacks falls back to without one. */
export function readProcfileWeb(workspace: Workspace): string | undefined {
  return readProcfile(workspace).start;
}

/** Shell operators and expansions after which `exec <command>` would not run the whole command. */
const COMPOUND = /[;&|<>()`\n]|\$\(/;

/**
 * The start command with the Procfile's release command before it. Nixpacks runs `release:` as a
 * build step after the build phase; Berth runs it when the container starts, before the app, as
 * Heroku's release phase does: it then sees the app's run-time variables (a migration needs the
 * database, which a build cannot reach). It runs in every container of the app, at every start, so
 * it must be safe to repeat. A failing release command stops the container: the app does not
 * start. The release command runs in its own shell; the app then replaces the container's shell
 * (`exec`), so it is the process that receives the stop signal.
 */
export function releaseThenStart(release: string, start: string): string {
  const first = start.trim().split(/\s+/)[0] ?? '';
  const simple = !COMPOUND.test(start) && !first.includes('=') && first !== 'exec';
  const app = first === 'exec' ? start.trim() : simple ? `exec ${start.trim()}` : `exec sh -c ${shellWord(start.trim())}`;
  return `sh -c ${shellWord(release.trim())} && ${app}`;
}
