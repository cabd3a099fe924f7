import type { Workspace } from '../plan';

/** A package of an npm/yarn/pnpm workspace: its folder and package.json name. */
export interface WorkspacePackage {
  dir: string;
  name: string;
  manifest: Record<string, unknown>;
}

/** The app of a monorepo that the image runs, and the commands that build and start it. */
export interface MonorepoApp {
  tool: 'turborepo' | 'nx' | 'workspaces';
  /** The app's folder ('' when the root itself is run, e.g. turbo's own start task). */
  dir: string;
  /** The app's name, when one was chosen. */
  name?: string;
  /** Replaces the root's build script when set. */
  build?: string;
  /** Replaces the root's start command when set. */
  start?: string;
  /**
   * Said when no start command results, in place of the generic "no start command" error: how
   * to choose the app. `start` is then undefined.
   */
  unchosen?: string;
  /** nx: where the build writes the app (project.json outputPath), and whether it is a web app. */
  outputDir?: string;
  staticOutput?: boolean;
}

/** Globs are expanded at most this deep, so a hostile pattern cannot walk the whole checkout. */
const MAX_DEPTH = 4;

/**
 * The packages the root declares: package.json `workspaces` (an array, or yarn's
 * `{ packages: [...] }`), else pnpm-workspace.yaml `packages:`. `*` matches one folder name and
 * `**` is read as `*` (one level), which covers `apps/*` and `packages/*` layouts; `!` patterns
 * and folders without a package.json are left out.
 */
export function workspacePackages(workspace: Workspace, rootManifest: Record<string, unknown>): WorkspacePackage[] {
  const patterns = declaredPatterns(workspace, rootManifest).filter((pattern) => !pattern.startsWith('!'));
  const segments = (pattern: string): string[] => pattern.split('/').filter((segment) => segment !== '' && segment !== '.');
  const dirs = new Set(patterns.flatMap((pattern) => expand(workspace, '', segments(pattern), 0)));
  return [...dirs].sort().flatMap((dir) => {
    const manifest = readManifest(workspace, `${dir}/package.json`);
    if (manifest === undefined) return [];
    const name = typeof manifest.name === 'string' && manifest.name !== '' ? manifest.name : (dir.split('/').pop() ?? dir);
    return [{ dir, name, manifest }];
  });
}

/** Whether the root declares workspaces at all. */
export function hasWorkspaces(workspace: Workspace, rootManifest: Record<string, unknown>): boolean {
  return declaredPatterns(workspace, rootManifest).length > 0;
}

/** A package.json as an object, or undefined when missing or not a JSON object. */
export function readManifest(workspace: Workspace, path: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(workspace.readFile(path) ?? '');
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function declaredPatterns(workspace: Workspace, rootManifest: Record<string, unknown>): string[] {
  const declared = rootManifest.workspaces;
  const list = Array.isArray(declared) ? declared : (declared as { packages?: unknown } | undefined)?.packages;
  if (Array.isArray(list)) return list.filter((item): item is string => typeof item === 'string' && item.trim() !== '');
  return pnpmPatterns(workspace.readFile('pnpm-workspace.yaml'));
}

/** The `packages:` list of pnpm-workspace.yaml; a small reader for its one list, not a YAML parser. */
function pnpmPatterns(text: string | undefined): string[] {
  if (text === undefined) return [];
  const patterns: string[] = [];
  let inPackages = false;
  for (const line of text.split('\n')) {
    if (/^packages\s*:/.test(line)) inPackages = true;
    else if (/^\S/.test(line)) inPackages = false;
    else if (inPackages) {
      const item = /^\s+-\s*['"]?([^'"#\s]+)['"]?\s*(#.*)?$/.exec(line);
      if (item?.[1] !== undefined) patterns.push(item[1]);
    }
  }
  return patterns;
}

function expand(workspace: Workspace, base: string, segments: string[], depth: number): string[] {
  const [head, ...rest] = segments;
  if (head === undefined) return base === '' ? [] : [base];
  if (depth >= MAX_DEPTH || head === '..' || head === '.') return [];
  const join = (name: string): string => (base === '' ? name : `${base}/${name}`);
  if (!head.includes('*')) return workspace.exists(join(head)) ? expand(workspace, join(head), rest, depth + 1) : [];
  return workspace
    .list(base)
    .filter((name) => name !== 'node_modules' && !name.startsWith('.') && wildcardMatch(head, name))
    .flatMap((name) => expand(workspace, join(name), rest, depth + 1));
}

/**
 * `*` as in a glob, without a regular expression: a pattern with many stars would make one
 * backtrack for a long time. Greedy with one resume point, O(pattern x name).
 */
function wildcardMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern[p] === name[n]) {
      p += 1;
      n += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      resume = n;
      p += 1;
    } else if (star >= 0) {
      p = star + 1;
      resume += 1;
      n = resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

export function hasStartScript(manifest: Record<string, unknown>): boolean {
  const start = (manifest.scripts as Record<string, unknown> | undefined)?.start;
  return typeof start === 'string' && start.trim() !== '';
}
