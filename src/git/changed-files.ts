import { join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { ChangedFilesRequest } from './git.port';
import { pinnedUrl } from './remote-pin';

/** A `before` of all zeros: the branch is new and has nothing to compare with. */
const ZERO_ID = /^0+$/;
/** Commit ids as push payloads carry them; anything else never reaches git's command line. */
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The files `after` changed since `before`, read from a fresh bare repository under `dir`: both
 * commits fetched at depth 1 without blobs (trees are enough to compare), so a push to a large
 * repository costs two commits' trees. A server that refuses that (commits by id, shallow or
 * filtered fetches: dumb HTTP refuses all three) is asked for the branch, in full, in a second
 * repository: git waits forever when a dumb server is a repository's promisor remote.
 */
export async function listChangedFiles(git: (dir: string) => SimpleGit, dir: string, req: ChangedFilesRequest, signal: AbortSignal): Promise<string[]> {
  for (const id of [req.before, req.after]) if (!COMMIT_ID.test(id)) throw new Error(`not a commit id: ${id.slice(0, 80)}`);
  const created = ZERO_ID.test(req.before);
  const wants = created ? [req.after] : [req.before, req.after];
  let repo = await bareRepository(git, dir, 'commits', req);
  try {
    // A named remote: git accepts --filter only from the remote recorded as the promisor.
    await repo.raw(['fetch', '--quiet', '--no-tags', '--filter=blob:none', '--depth=1', 'origin', ...wants]);
  } catch (err) {
    if (signal.aborted) throw err;
    repo = await bareRepository(git, dir, 'branch', req);
    await repo.raw(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${req.branch}:refs/remotes/origin/branch`]);
  }
  // --no-renames: rename detection would read (and so download) the files' contents.
  const listing = created
    ? await repo.raw(['ls-tree', '-r', '-z', '--name-only', '--full-tree', req.after])
    : await repo.raw(['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', req.before, req.after, '--']);
  return listing.split('\0').filter((path) => path !== '');
}

async function bareRepository(git: (dir: string) => SimpleGit, dir: string, name: string, req: ChangedFilesRequest): Promise<SimpleGit> {
  await git(dir).raw(['init', '--quiet', '--bare', name]);
  const repo = git(join(dir, name));
  await repo.raw(['remote', 'add', 'origin', '--', pinnedUrl(req.remote)]);
  return repo;
}
