import { lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../src/errors';
import type { JobFiles } from '../src/jobs/job-files';
import { packDir, unpackTar } from '../src/jobs/job-archive';
import type { JobSpec } from '../src/jobs/job.record';
import type { CloneRequest, GitClient, GitCredentials } from '../src/git/git.port';
import type { HostResolver } from '../src/git/host-resolver';
import { RemoteGuard } from '../src/git/remote-guard';

export interface JobGitOptions {
  allowFileUrls: boolean;
  allowedHosts: readonly string[];
  hostResolver: HostResolver;
  maxCheckoutBytes: number;
  cloneTimeoutMs: number;
  /** Credentials per git host (`[git] credentials`). */
  hostCredentials: Record<string, GitCredentials>;
}

/** A job's folders made ready for its container: the binds, and the commit of a git source. */
export interface PreparedJob {
  binds: string[];
  commit?: string;
}

/**
 * Lays out a job's files for one attempt, from scratch (whatever an earlier attempt left is
 * removed first): the source in `app/` (unpacked, cloned, or copied from a host folder through a
 * tar), the input in `data/` (or the host folder itself, read-only), `out/` empty.
 */
export async function prepareJob(
  spec: JobSpec,
  files: JobFiles,
  git: { client: GitClient; options: JobGitOptions },
  limits: { maxSourceBytes: number },
  signal: AbortSignal,
  say: (line: string) => void,
  credentials?: GitCredentials,
): Promise<PreparedJob> {
  const work = await files.resetWork(spec.id);
  let commit: string | undefined;
  const { source } = spec;
  if (source.kind === 'git') {
    say(`[berth] cloning ${source.repo} (${source.commit ? `commit ${source.commit}` : source.branch ? `branch ${source.branch}` : 'the default branch'})`);
    await rm(work.app, { recursive: true, force: true });
    commit = await clone(spec, work.app, git, signal, credentials);
    say(`[berth] checked out ${commit}`);
  } else if (source.kind === 'path') {
    const copy = join(files.dir(spec.id), 'source-copy.tar');
    await packDir(source.path, copy, limits.maxSourceBytes, 'source folder').catch((err: unknown) => {
      throw err instanceof AppError && err.code === 'output_too_large'
        ? new AppError('source_too_large', `the source folder is larger than ${limits.maxSourceBytes} bytes`)
        : err;
    });
    await unpackTar(copy, work.app, 'source');
    await rm(copy, { force: true });
  } else {
    await unpackTar(files.sourceTar(spec.id), work.app, 'source');
  }
  await checkMain(work.app, spec.main);
  // The mount points: whatever the source had there (a link, a file) is replaced by an empty folder.
  for (const name of ['data', 'output']) {
    await rm(join(work.app, name), { recursive: true, force: true });
    await mkdir(join(work.app, name), { mode: 0o755 });
  }
  let data = work.data;
  if (spec.input?.kind === 'upload') await unpackTar(files.inputTar(spec.id), work.data, 'input');
  else if (spec.input?.kind === 'path') data = spec.input.path;
  return { binds: [`${work.app}:/app`, `${data}:/app/data:ro`, `${work.out}:/app/output`], ...(commit ? { commit } : {}) };
}

async function clone(spec: JobSpec, dir: string, git: { client: GitClient; options: JobGitOptions }, signal: AbortSignal, given?: GitCredentials): Promise<string> {
  if (spec.source.kind !== 'git') throw new Error('not a git source');
  const { hostResolver, allowFileUrls, allowedHosts, hostCredentials, maxCheckoutBytes, cloneTimeoutMs } = git.options;
  const remote = await new RemoteGuard(hostResolver, { allowFileUrls, allowedHosts }, 'repository').check(spec.source.repo);
  const credentials = given ?? hostCredentials[spec.source.host.toLowerCase()];
  const request: CloneRequest = {
    url: spec.source.repo,
    remote,
    remotes: new RemoteGuard(hostResolver, { allowFileUrls, allowedHosts }, 'submodule'),
    maxBytes: maxCheckoutBytes,
    ...(spec.source.branch ? { branch: spec.source.branch } : {}),
    ...(spec.source.commit ? { commit: spec.source.commit } : {}),
    dir,
    submodules: false,
    allowFileProtocol: allowFileUrls,
    ...(credentials ? { credentials } : {}),
    timeoutMs: cloneTimeoutMs,
    signal,
  };
  return (await git.client.clone(request)).commit;
}

async function checkMain(app: string, main: string): Promise<void> {
  const info = await lstat(join(app, main)).catch(() => undefined);
  if (!info?.isFile()) throw new AppError('main_not_found', `main "${main}" is not a file of the source`, 'main');
}
