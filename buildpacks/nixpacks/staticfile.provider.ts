import { assertPlainPath } from '../dockerfile-text';
import { shownKey } from '../log-text';
import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import { normaliseRelativePath } from '../paths';
import type { Provider } from './provider';

/** Folders Nixpacks serves when neither the Staticfile nor NIXPACKS_STATICFILE_ROOT names one, in its order. */
const ROOT_FOLDERS = ['public', 'dist', 'index'];
/** Variable that names the folder to serve, before the Staticfile's `root:`, as in Nixpacks. */
export const STATICFILE_ROOT_VARIABLE = 'NIXPACKS_STATICFILE_ROOT';

/**
 * A plain static site, served by nginx with the static buildpack's configuration. Detected as
 * Nixpacks does: a `Staticfile`, an `index.html`, or a `public/`, `dist/` or `index/` folder. It
 * runs no phases, and unknown paths answer 404: a site without a package.json is taken to be
 * multi-page, not a client-side-routed app. The folder served is NIXPACKS_STATICFILE_ROOT, else
 * the Staticfile's `root:`, else the first of those folders. Where Berth differs: an `index.html`
 * at the root keeps the root served even beside a `public/` folder (Nixpacks would serve the
 * folder), since such a folder is then the site's assets, not the site.
 */
export const staticfileProvider: Provider = {
  name: 'staticfile',
  looksFor: 'Staticfile, index.html, or a public, dist or index folder (static site)',
  detect: (workspace) =>
    workspace.readFile('Staticfile') !== undefined || workspace.readFile('index.html') !== undefined || ROOT_FOLDERS.some((folder) => isFolder(workspace, folder)),
  plan(workspace, settings, variables) {
    const staticfile = readStaticfile(workspace);
    const asked = variables[STATICFILE_ROOT_VARIABLE];
    const root = asked !== undefined && asked.trim() !== '' ? checkedRoot(workspace, asked, STATICFILE_ROOT_VARIABLE) : staticfile.root;
    const serveDir = root ?? defaultRoot(workspace);
    const ignored = staticfile.ignored.length > 0 ? [`Staticfile: ignored ${staticfile.ignored.join(', ')} (Berth serves with its own nginx settings)`] : [];
    return { image: settings.images.staticServer, install: [], build: [], facts: {}, serveDir, summary: ignored };
  },
};

interface Staticfile {
  root?: string;
  ignored: string[];
}

/**
 * The Staticfile is YAML (`root: site`, `gzip: off`, ...); only flat `key: value` lines mean
 * anything to it, so those are read without a YAML parser.
 */
function readStaticfile(workspace: Workspace): Staticfile {
  const text = workspace.readFile('Staticfile');
  const result: Staticfile = { ignored: [] };
  if (text === undefined) return result;
  for (const line of text.split(/\r?\n/)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*?)\s*$/.exec(line);
    if (match?.[1] === undefined) continue;
    if (match[1] !== 'root') result.ignored.push(shownKey(match[1]));
    else if (match[2] !== undefined && match[2] !== '') result.root = checkedRoot(workspace, unquote(match[2]), 'Staticfile');
  }
  if (workspace.readFile('Staticfile.auth') !== undefined) result.ignored.push('Staticfile.auth');
  return result;
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/** A root folder named by the repository: inside it, plainly named, and a folder with files. */
function checkedRoot(workspace: Workspace, value: string, field: string): string {
  const root = normaliseRelativePath(value.trim(), field);
  if (root !== '') assertPlainPath(root, field);
  if (root !== '' && !isFolder(workspace, root)) {
    throw new PlanError(`${field}: root "${root}" is not a folder with files in the repository: add it, or change root`, 'invalid_repository', field);
  }
  return root;
}

function defaultRoot(workspace: Workspace): string {
  if (workspace.readFile('index.html') !== undefined) return '';
  return ROOT_FOLDERS.find((folder) => isFolder(workspace, folder)) ?? '';
}

/** A folder holding at least one entry (a file's or a missing path's listing is empty). */
export function isFolder(workspace: Workspace, path: string): boolean {
  return workspace.readFile(path) === undefined && workspace.list(path).length > 0;
}
