import { lstat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { BuildFailedError } from '../errors';
import type { RemoteChecker, RemotePin } from './git.port';
import { pinnedUrl } from './remote-pin';

/** Nesting levels of submodules fetched below the repository, and submodules in all. */
const MAX_LEVELS = 4;
const MAX_MODULES = 50;
const MAX_GITMODULES_BYTES = 64 * 1024;

/** What fetching submodules needs from the clone in progress. */
export interface SubmoduleSession {
  /** git working in `dir`, connecting to `pin` (no remote: local work only). */
  git(dir: string, pin?: RemotePin): SimpleGit;
  remotes: RemoteChecker;
  /** Runs a fetch shallowly, again in full when the server cannot serve shallow fetches. */
  shallow(fetch: (depth: string[]) => Promise<unknown>): Promise<void>;
}

interface Submodule {
  name: string;
  path: string;
  pin: RemotePin;
}

/**
 * Fetches the submodules of the checkout in `dir` one by one, nested ones too. Every URL, as git
 * resolved it (relative ones against the parent's remote), is checked before any is fetched, and
 * each fetch connects to the address its check pinned.
 */
export async function updateSubmodules(session: SubmoduleSession, dir: string, level = 0, counted = { modules: 0 }): Promise<void> {
  if (!(await hasGitmodules(dir))) return;
  const repo = session.git(dir);
  await repo.raw(['submodule', 'init']);
  const urls = await readConfig(repo, ['--local'], /^submodule\.(.+)\.url$/);
  if (urls.size === 0) return;
  if (level >= MAX_LEVELS) throw new BuildFailedError(`submodules nest deeper than ${MAX_LEVELS} levels`, 'submodule_refused');
  const paths = await readConfig(repo, ['--file', '.gitmodules'], /^submodule\.(.+)\.path$/);
  const modules: Submodule[] = [];
  for (const [name, url] of urls) {
    counted.modules += 1;
    if (counted.modules > MAX_MODULES) throw new BuildFailedError(`the repository has more than ${MAX_MODULES} submodules`, 'submodule_refused');
    const path = paths.get(name);
    if (path === undefined || !isInsideDir(dir, path))
      throw new BuildFailedError(`submodule ${JSON.stringify(name)} has no path inside the repository`, 'submodule_refused');
    modules.push({ name, path, pin: await session.remotes.check(url) });
  }
  for (const module of modules) await fetchSubmodule(session, repo, dir, module, level, counted);
}

async function fetchSubmodule(session: SubmoduleSession, repo: SimpleGit, dir: string, module: Submodule, level: number, counted: { modules: number }): Promise<void> {
  // git fetches what the config says: make that the URL that was checked.
  const url = pinnedUrl(module.pin);
  await repo.raw(['config', '--local', `submodule.${module.name}.url`, url]);
  await session.shallow((depth) => session.git(dir, module.pin).raw(['submodule', 'update', ...depth, '--', module.path]));
  const checkout = join(dir, module.path);
  // Nested relative URLs resolve against this remote: its name, not the pinned address.
  if (url !== module.pin.url) await session.git(checkout).raw(['remote', 'set-url', 'origin', module.pin.url]);
  await updateSubmodules(session, checkout, level + 1, counted);
}

/** `.gitmodules` as git would read it; a symlink or an oversized file is refused, never followed. */
async function hasGitmodules(dir: string): Promise<boolean> {
  const info = await lstat(join(dir, '.gitmodules')).catch(() => undefined);
  if (!info) return false;
  if (!info.isFile() || info.size > MAX_GITMODULES_BYTES) {
    throw new BuildFailedError(`.gitmodules must be a regular file of at most ${MAX_GITMODULES_BYTES / 1024} KiB`, 'submodule_refused');
  }
  return true;
}

/** Values of config keys matching `key` (its group 1 names the submodule), NUL-separated so no value can forge a line. */
async function readConfig(repo: SimpleGit, source: string[], key: RegExp): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let output: string;
  try {
    output = await repo.raw(['config', '--null', ...source, '--get-regexp', key.source]);
  } catch {
    return found; // git config answers "none found" with exit status 1
  }
  for (const entry of output.split('\0')) {
    const newline = entry.indexOf('\n');
    if (newline < 0) continue;
    const name = key.exec(entry.slice(0, newline))?.[1];
    if (name !== undefined) found.set(name, entry.slice(newline + 1));
  }
  return found;
}

function isInsideDir(dir: string, path: string): boolean {
  const rel = relative(dir, join(dir, path));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep) && !path.startsWith('-');
}
