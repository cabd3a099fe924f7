import { readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-fs';
import { readCheckoutFile } from '../builds/checkout-file';
import { BuildFailedError } from '../errors';
import { IgnoreFileError, IgnoreMatcher, MatchLimitError, type ParentMatches } from './ignore-matcher';

/**
 * Name of the Dockerfile the engine builds from: Berth's copy of the requested one, read through
 * the symlink-safe reader, with the build's labels appended. The engine never reads a file of the
 * repository by itself.
 */
export const BUILD_DOCKERFILE = '.berth-labelled.Dockerfile';

/**
 * What Berth writes as the context's `.dockerignore`: only its own two files, which the engines
 * then drop from the context once read, so no COPY reaches them. The repository's rules are
 * applied here, before sending; no text of the repository goes into this file.
 */
export const CONTEXT_DOCKERIGNORE = `.dockerignore\n${BUILD_DOCKERFILE}\n`;

/**
 * Top-level files an engine reads by itself, following symlinks on its own host: Podman reads
 * `.containerignore` before `.dockerignore`, and `<Dockerfile>.dockerignore` before both. They are
 * never sent; Berth's `.dockerignore` and Dockerfile copy are sent instead.
 */
const ENGINE_READS = new Set(['.dockerignore', '.containerignore', BUILD_DOCKERFILE, `${BUILD_DOCKERFILE}.dockerignore`, `${BUILD_DOCKERFILE}.containerignore`]);

/**
 * Upper bound on the pattern-matching work for one context, in automaton steps (15 to 30 s of CPU
 * on the development machine, where a typical rule costs a few steps per character of a path).
 * Each match is linear, but a long `.dockerignore` over very many long paths still adds up.
 */
export const MAX_MATCH_STEPS = 500_000_000;

/** Steps between two turns of the event loop, so timeouts and cancels act during a long walk. */
const STEPS_PER_TURN = 1_000_000;

/**
 * Ownership and times inside the image should not depend on the worker's users nor on when the
 * checkout was made: the engine's layer cache keys `COPY` on these headers, so a fresh clone of an
 * unchanged commit must pack to the same bytes for its install step to come from the cache.
 */
const ROOT_OWNED = { uid: 0, gid: 0, uname: 'root', gname: 'root' };
const FIXED_MTIME = new Date(0);

/** Entries never sent, at any depth: git's data (a directory, or a file in a submodule/worktree). */
const NEVER_SENT = new Set(['.git']);

export interface ContextOptions {
  /** Labels appended to the Dockerfile copy as one LABEL line. */
  labels?: Record<string, string>;
  /** Paths (relative to the context) sent whatever `.dockerignore` says: files Berth generated. */
  alwaysSend?: readonly string[];
  /** Stops the walk of a large context when the build is cancelled or times out. */
  signal?: AbortSignal;
  /** Bound on the matching work; default MAX_MATCH_STEPS. */
  maxMatchSteps?: number;
}

/**
 * The build context as a tar stream, honouring `.dockerignore` the way the docker CLI does (the
 * engine API itself ignores that file), plus Berth's Dockerfile copy (`BUILD_DOCKERFILE`) and
 * `.dockerignore`. Rejects with BuildFailedError before anything is sent when `.dockerignore` or
 * the Dockerfile is unsafe to read (`unsafe_file`) or the rules are invalid (`invalid_dockerignore`).
 *
 * Labels go into the copy because Docker's legacy builder turns the API's `labels` into one build
 * step per label, which costs a container each; a single LABEL instruction costs one.
 */
export async function packContext(contextDir: string, dockerfile: string, options: ContextOptions = {}): Promise<Readable> {
  const root = await realpath(contextDir);
  const matcher = readIgnoreRules(root, options.maxMatchSteps ?? MAX_MATCH_STEPS);
  const content = readRepositoryFile(root, dockerfile, 'Dockerfile');
  if (content === undefined) throw new BuildFailedError(`no Dockerfile at "${dockerfile}" in the build context`, 'invalid_repository');
  const copy = options.labels ? labelledDockerfile(content, options.labels) : content;
  const keep = new Set((options.alwaysSend ?? []).map((p) => p.split(sep).join('/')));
  const included = await selectEntries(root, matcher, keep, options);
  // A Dockerfile Berth generated is read from its labelled copy: the original is not shipped.
  const generated = dockerfile.split(sep).join('/');
  if (keep.has(generated)) dropGenerated(included, generated);
  // `sort` (tar-fs 3, missing from its types): entries in name order, not the file system's.
  const packOptions: tar.PackOptions & { sort: boolean } = {
    // A set lookup only: nothing in these callbacks can throw or take long.
    ignore: (name) => !included.has(relative(root, name).split(sep).join('/')),
    map: normalizedHeader,
    sort: true,
    finalize: false,
    finish: (archive) => {
      archive.entry({ name: '.dockerignore', mode: 0o644, mtime: FIXED_MTIME, ...ROOT_OWNED }, CONTEXT_DOCKERIGNORE);
      archive.entry({ name: BUILD_DOCKERFILE, mode: 0o644, mtime: FIXED_MTIME, ...ROOT_OWNED }, copy);
      archive.finalize();
    },
  };
  const pack = tar.pack(root, packOptions);
  return pack as unknown as Readable;
}

/** Same bytes for the same tree: fixed time and owner, modes reduced to the executable bit. */
function normalizedHeader(header: tar.Headers): tar.Headers {
  const executable = header.type === 'directory' || (header.mode ?? 0) & 0o111;
  const mode = header.type === 'symlink' ? 0o777 : executable ? 0o755 : 0o644;
  return { ...header, ...ROOT_OWNED, mode, mtime: FIXED_MTIME };
}

/** Removes a generated file, and its folders when nothing else in them is sent. */
function dropGenerated(included: Set<string>, path: string): void {
  const parent = (p: string) => p.slice(0, Math.max(p.lastIndexOf('/'), 0));
  included.delete(path);
  for (let dir = parent(path); dir !== ''; dir = parent(dir)) {
    if ([...included].some((p) => p.startsWith(`${dir}/`))) return;
    included.delete(dir);
  }
}

/** The Dockerfile with one `LABEL "k"="v" ...` line appended; values are quoted so nothing expands. */
export function labelledDockerfile(content: string, labels: Record<string, string>): string {
  const quote = (s: string) => `"${s.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;
  const pairs = Object.entries(labels).map(([k, v]) => `${quote(k)}=${quote(v)}`);
  return `${content.replace(/\s*$/, '')}\nLABEL ${pairs.join(' ')}\n`;
}

function readIgnoreRules(root: string, limit: number): IgnoreMatcher {
  const text = readRepositoryFile(root, '.dockerignore', '.dockerignore') ?? '';
  try {
    return IgnoreMatcher.parse(text, limit);
  } catch (err) {
    if (err instanceof IgnoreFileError) throw new BuildFailedError(`.dockerignore ${err.message}`, 'invalid_dockerignore');
    throw err;
  }
}

/** A file of the context through the safe reader; an unsafe one fails the build, naming why. */
/** The Dockerfile a build names, read as `packContext` reads it; undefined when there is none. */
export async function readBuildDockerfile(contextDir: string, dockerfile: string): Promise<string | undefined> {
  return readRepositoryFile(await realpath(contextDir), dockerfile, 'Dockerfile');
}

function readRepositoryFile(root: string, path: string, what: string): string | undefined {
  const read = readCheckoutFile(root, path);
  if (read.kind === 'unsafe') throw new BuildFailedError(`${what} "${path}" is ${read.reason}: refusing to read it`, 'unsafe_file');
  return read.kind === 'file' ? read.text : undefined;
}

/**
 * The context's paths to send, as the docker CLI selects them: each entry matched once with its
 * directory's results, excluded directories skipped unless an exception is written under them.
 * Only directories, regular files and symlinks (sent as links) are kept.
 */
async function selectEntries(root: string, matcher: IgnoreMatcher, keep: ReadonlySet<string>, options: ContextOptions): Promise<Set<string>> {
  const { signal } = options;
  const included = new Set<string>(['']);
  const add = (path: string) => {
    for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) included.add(path.slice(0, at));
    included.add(path);
  };
  const holdsKept = (dir: string) => [...keep].some((k) => k.startsWith(`${dir}/`));
  const pending: Array<{ dir: string; parent: ParentMatches }> = [{ dir: '', parent: [] }];
  let turn = 0;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (signal?.aborted) throw signal.reason;
    const entries = await readdir(join(root, next.dir), { withFileTypes: true });
    for (const entry of entries) {
      if (matcher.steps - turn > STEPS_PER_TURN) {
        turn = matcher.steps;
        await new Promise((resolve) => setImmediate(resolve));
        if (signal?.aborted) throw signal.reason;
      }
      const path = next.dir === '' ? entry.name : `${next.dir}/${entry.name}`;
      const isDir = entry.isDirectory();
      if ((next.dir === '' && ENGINE_READS.has(entry.name)) || NEVER_SENT.has(entry.name) || !(isDir || entry.isFile() || entry.isSymbolicLink())) continue;
      const { excluded, matches } = matchOrFail(matcher, path, next.parent);
      if (!excluded || keep.has(path)) add(path);
      if (isDir && (!excluded || matcher.reopens(path) || holdsKept(path))) pending.push({ dir: path, parent: matches });
    }
  }
  return included;
}

function matchOrFail(matcher: IgnoreMatcher, path: string, parent: ParentMatches): ReturnType<IgnoreMatcher['match']> {
  try {
    return matcher.match(path, parent);
  } catch (err) {
    if (!(err instanceof MatchLimitError)) throw err;
    throw new BuildFailedError(
      `.dockerignore: matching its patterns against the context's paths takes more than ${err.limit} steps; use fewer or simpler patterns`,
      'invalid_dockerignore',
    );
  }
}
