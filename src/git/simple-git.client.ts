import { setMaxListeners } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { AppError, BuildFailedError } from '../errors';
import { listChangedFiles } from './changed-files';
import { directoryBytes, formatBytes, watchDirectorySize } from './checkout-size';
import { updateSubmodules, type SubmoduleSession } from './git-submodules';
import type { ChangedFilesRequest, CloneRequest, GitClient, RemoteChecker, RemotePin } from './git.port';
import { credentialScope, pinConfig, pinnedUrl, sameServer, sshCommand } from './remote-pin';

/** Variables simple-git must let through: how credentials reach git without touching argv. */
const GIT_ENV = ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0', 'GIT_SSH_COMMAND', 'GIT_TERMINAL_PROMPT', 'GIT_ASKPASS'];

/** What git says when a dumb-HTTP server (static files) is asked for a shallow clone. */
const DUMB_HTTP_SHALLOW = /dumb http transport does not support shallow/i;

export interface SimpleGitClientOptions {
  /** Milliseconds between looks at the checkout's size while git writes it. Default 200. */
  sizeCheckMs?: number;
}

/** GitClient over simple-git: argument arrays only, hooks off, no prompts, secrets in the environment. */
export class SimpleGitClient implements GitClient {
  constructor(private readonly options: SimpleGitClientOptions = {}) {}

  async clone(req: CloneRequest): Promise<{ commit: string }> {
    const keyFile = req.credentials?.sshKey ? `${req.dir}.key` : undefined;
    const tooLarge = new AbortController();
    const signal = AbortSignal.any([req.signal, tooLarge.signal]);
    // Each git process simple-git starts listens on the signal; submodules start many.
    setMaxListeners(0, signal);
    const watch = watchDirectorySize(req.dir, req.maxBytes, () => tooLarge.abort(), this.options.sizeCheckMs);
    try {
      if (keyFile) await writeFile(keyFile, ensureTrailingNewline(req.credentials?.sshKey ?? ''), { mode: 0o600 });
      const session = new CloneSession(req, keyFile, signal);
      await (req.commit ? this.fetchCommit(session, req) : this.cloneBranch(session, req));
      if (req.submodules) await updateSubmodules(session, req.dir);
      if ((await directoryBytes(req.dir, req.maxBytes)) > req.maxBytes) tooLarge.abort();
      if (tooLarge.signal.aborted) throw tooLarge.signal.reason;
      return { commit: (await session.git(req.dir).raw(['rev-parse', 'HEAD'])).trim() };
    } catch (err) {
      if (req.signal.aborted) throw req.signal.reason;
      if (tooLarge.signal.aborted) throw tooLargeError(req.maxBytes);
      if (err instanceof AppError) throw err;
      throw new AppError('clone_failed', `git clone failed: ${cleanGitMessage(err, req)}`);
    } finally {
      watch.stop();
      if (keyFile) await rm(keyFile, { force: true });
    }
  }

  async changedFiles(req: ChangedFilesRequest): Promise<string[]> {
    const dir = await mkdtemp(join(req.tempDir, 'berth-changes-'));
    const keyFile = req.credentials?.sshKey ? `${dir}.key` : undefined;
    const tooLarge = new AbortController();
    const signal = AbortSignal.any([req.signal, tooLarge.signal]);
    const watch = watchDirectorySize(dir, req.maxBytes, () => tooLarge.abort(), this.options.sizeCheckMs);
    try {
      if (keyFile) await writeFile(keyFile, ensureTrailingNewline(req.credentials?.sshKey ?? ''), { mode: 0o600 });
      const session = new CloneSession({ ...req, remotes: NO_SUBMODULES }, keyFile, signal);
      return await listChangedFiles((baseDir) => session.git(baseDir), dir, req, signal);
    } catch (err) {
      if (req.signal.aborted) throw req.signal.reason;
      if (tooLarge.signal.aborted) throw new AppError('fetch_too_large', `the fetched git data is larger than ${formatBytes(req.maxBytes)}`);
      if (err instanceof AppError) throw err;
      throw new AppError('fetch_failed', `git fetch failed: ${cleanGitMessage(err, req)}`);
    } finally {
      watch.stop();
      await rm(dir, { recursive: true, force: true });
      if (keyFile) await rm(keyFile, { force: true });
    }
  }

  private async cloneBranch(session: CloneSession, req: CloneRequest): Promise<void> {
    const branch = req.branch ? ['--branch', req.branch] : [];
    const url = pinnedUrl(req.remote);
    await session.shallow(
      (depth) => session.git(process.cwd()).raw(['clone', ...depth, '--no-checkout', '--single-branch', '--no-tags', ...branch, '--', url, req.dir]),
      () => rm(req.dir, { recursive: true, force: true }),
    );
    const repo = session.git(req.dir);
    // Relative submodule URLs resolve against origin: the name the user gave, not the address.
    if (url !== req.remote.url) await repo.raw(['remote', 'set-url', 'origin', req.remote.url]);
    await this.checkOut(repo, req, 'HEAD');
  }

  /**
   * Checks `rev` out once its files are known to fit: a few KiB of download can hold gigabytes
   * of files, and git writes a big file in one go, too fast to be stopped while it does.
   */
  private async checkOut(repo: SimpleGit, req: CloneRequest, rev: string): Promise<void> {
    const listing = await repo.raw(['ls-tree', '-r', '-l', '-z', '--full-tree', rev]);
    let bytes = await directoryBytes(req.dir, req.maxBytes);
    for (const entry of listing.split('\0')) {
      const size = /^\d+ blob \S+ +(\d+)\t/.exec(entry)?.[1];
      if (size !== undefined) bytes += Number(size);
    }
    if (bytes > req.maxBytes) throw tooLargeError(req.maxBytes);
    // HEAD: the cloned branch stays checked out as a branch.
    await repo.raw(['checkout', '--quiet', '--force', ...(rev === 'HEAD' ? [] : ['--detach', rev])]);
  }

  /** A shallow fetch of one commit; servers that refuse that get a full fetch of the branch. */
  private async fetchCommit(session: CloneSession, req: CloneRequest): Promise<void> {
    await session.git(process.cwd()).raw(['init', '--quiet', req.dir]);
    const repo = session.git(req.dir);
    await repo.raw(['remote', 'add', 'origin', '--', req.remote.url]);
    const url = pinnedUrl(req.remote);
    let rev = 'FETCH_HEAD';
    try {
      await repo.raw(['fetch', '--depth', '1', '--no-tags', url, req.commit ?? '']);
    } catch (err) {
      if (session.signal.aborted) throw err;
      await repo.raw(['fetch', '--no-tags', url, ...(req.branch ? [req.branch] : [])]);
      rev = req.commit ?? '';
    }
    await this.checkOut(repo, req, rev);
  }
}

/** What a session needs to know of its request. */
type SessionRequest = Pick<CloneRequest, 'remote' | 'remotes' | 'allowFileProtocol' | 'credentials' | 'timeoutMs'>;

/** Listing changes fetches no submodule. */
const NO_SUBMODULES: RemoteChecker = {
  check: () => Promise.reject(new BuildFailedError('submodules are not fetched to list changed files', 'submodule_refused')),
};

/** One clone's git settings: locked down, pinned per remote, credentials for the build's own remote only. */
class CloneSession implements SubmoduleSession {
  readonly remotes: CloneRequest['remotes'];

  constructor(
    private readonly req: SessionRequest,
    private readonly keyFile: string | undefined,
    readonly signal: AbortSignal,
  ) {
    this.remotes = req.remotes;
  }

  git(baseDir: string, pin: RemotePin = this.req.remote): SimpleGit {
    const git = simpleGit({
      baseDir,
      abort: this.signal,
      timeout: { block: this.req.timeoutMs },
      allowEnvironment: GIT_ENV,
      config: [
        'core.hooksPath=/dev/null',
        `protocol.file.allow=${this.req.allowFileProtocol ? 'always' : 'never'}`,
        'protocol.ext.allow=never',
        'credential.helper=',
        'core.fsmonitor=false',
        // A redirect could lead past the host check to an internal address.
        'http.followRedirects=false',
        ...pinConfig(pin),
      ],
      // simple-git refuses any setting of these keys; every value set here is the locked-down one
      // and none comes from a request.
      unsafe: {
        allowUnsafeHooksPath: true,
        allowUnsafeProtocolOverride: true,
        allowUnsafeConfigEnvCount: true,
        allowUnsafeCredentialHelper: true,
        allowUnsafeFsMonitor: true,
        allowUnsafeAskPass: true,
        allowUnsafeSshCommand: true,
        allowUnsafeSubmodule: true,
      },
    } as Parameters<typeof simpleGit>[0]);
    return git.env(this.environment(pin));
  }

  async shallow(fetch: (depth: string[]) => Promise<unknown>, cleanUp?: () => Promise<void>): Promise<void> {
    try {
      await fetch(['--depth', '1']);
    } catch (err) {
      if (this.signal.aborted || !DUMB_HTTP_SHALLOW.test(String((err as Error).message ?? err))) throw err;
      await cleanUp?.();
      await fetch([]);
    }
  }

  private environment(pin: RemotePin): Record<string, string> {
    const env = inheritedEnvironment();
    env.GIT_TERMINAL_PROMPT = '0';
    env.GIT_ASKPASS = '/bin/false';
    const creds = this.req.credentials;
    if (creds?.token && (this.req.remote.scheme === 'https' || this.req.remote.scheme === 'http')) {
      // Scoped to the repository's URL: git sends it to no other host or path a submodule names.
      Object.assign(env, {
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: `http.${credentialScope(this.req.remote)}.extraHeader`,
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${basicAuth(creds.username, creds.token)}`,
      });
    }
    if (pin.scheme === 'ssh') env.GIT_SSH_COMMAND = sshCommand(pin, sameServer(pin, this.req.remote) ? this.keyFile : undefined);
    return env;
  }
}

/**
 * Inherited variables simple-git refuses to pass on (they name programs git would run). npm and
 * npx set EDITOR for every script, so a worker started through npm would fail every clone.
 */
const REFUSED_ENV = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

function inheritedEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.toUpperCase().startsWith('GIT_') && !REFUSED_ENV.has(k.toUpperCase())) env[k] = v;
  }
  return env;
}

function tooLargeError(maxBytes: number): AppError {
  return new AppError('checkout_too_large', `the checkout is larger than ${formatBytes(maxBytes)} ([build] max_checkout_bytes)`);
}

function basicAuth(username: string | undefined, token: string): string {
  return Buffer.from(`${username ?? 'x-access-token'}:${token}`).toString('base64');
}

/** Git's own message, without secrets that could have been echoed. */
function cleanGitMessage(err: unknown, req: Pick<CloneRequest, 'credentials'>): string {
  let text = (err as Error).message ?? String(err);
  const creds = req.credentials;
  const basic = creds?.token ? basicAuth(creds.username, creds.token) : undefined;
  for (const secret of [creds?.token, creds?.sshKey, basic]) if (secret) text = text.split(secret).join('***');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^hint:/.test(l));
  return (lines.find((l) => l.startsWith('fatal:')) ?? lines[0] ?? 'unknown error').slice(0, 500);
}

function ensureTrailingNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
