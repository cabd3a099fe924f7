import { rm, writeFile } from 'node:fs/promises';
import { simpleGit, type SimpleGit } from 'simple-git';
import { AppError } from '../errors';
import type { CloneRequest, GitClient } from './git.port';

/** Variables simple-git must let through: how credentials reach git without touching argv. */
const GIT_ENV = ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0', 'GIT_SSH_COMMAND', 'GIT_TERMINAL_PROMPT', 'GIT_ASKPASS'];

/** GitClient over simple-git: argument arrays only, hooks off, no prompts, secrets in the environment. */
export class SimpleGitClient implements GitClient {
  async clone(req: CloneRequest): Promise<{ commit: string }> {
    const keyFile = req.credentials?.sshKey ? `${req.dir}.key` : undefined;
    try {
      if (keyFile) await writeFile(keyFile, ensureTrailingNewline(req.credentials?.sshKey ?? ''), { mode: 0o600 });
      const git = this.git(req, keyFile, process.cwd());
      if (req.commit) await this.fetchCommit(git, req);
      else {
        const branch = req.branch ? ['--branch', req.branch] : [];
        const submodules = req.submodules ? ['--recurse-submodules', '--shallow-submodules'] : [];
        await git.raw(['clone', '--depth', '1', '--single-branch', '--no-tags', ...branch, ...submodules, '--', req.url, req.dir]);
      }
      const commit = (await this.git(req, keyFile, req.dir).raw(['rev-parse', 'HEAD'])).trim();
      return { commit };
    } catch (err) {
      if (req.signal.aborted) throw req.signal.reason;
      throw new AppError('clone_failed', `git clone failed: ${cleanGitMessage(err, req)}`);
    } finally {
      if (keyFile) await rm(keyFile, { force: true });
    }
  }

  /** A shallow fetch of one commit; servers that refuse that get a full fetch of the branch. */
  private async fetchCommit(git: SimpleGit, req: CloneRequest): Promise<void> {
    await git.raw(['init', '--quiet', req.dir]);
    const repo = this.git(req, undefined, req.dir);
    await repo.raw(['remote', 'add', 'origin', '--', req.url]);
    try {
      await repo.raw(['fetch', '--depth', '1', '--no-tags', 'origin', req.commit ?? '']);
      await repo.raw(['checkout', '--quiet', '--detach', 'FETCH_HEAD']);
    } catch {
      await repo.raw(['fetch', '--no-tags', 'origin', ...(req.branch ? [req.branch] : [])]);
      await repo.raw(['checkout', '--quiet', '--detach', req.commit ?? '']);
    }
    if (req.submodules) await repo.raw(['submodule', 'update', '--init', '--recursive', '--depth', '1']);
  }

  private git(req: CloneRequest, keyFile: string | undefined, baseDir: string): SimpleGit {
    const git = simpleGit({
      baseDir,
      abort: req.signal,
      timeout: { block: req.timeoutMs },
      allowEnvironment: GIT_ENV,
      config: [
        'core.hooksPath=/dev/null',
        `protocol.file.allow=${req.allowFileProtocol ? 'always' : 'never'}`,
        'protocol.ext.allow=never',
        'credential.helper=',
        'core.fsmonitor=false',
        // A redirect could lead past the host check to an internal address.
        'http.followRedirects=false',
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
    return git.env(environment(req, keyFile));
  }
}

/**
 * Inherited variables simple-git refuses to pass on (they name programs git would run). npm and
 * npx set EDITOR for every script, so a worker started through npm would fail every clone.
 */
const REFUSED_ENV = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

function environment(req: CloneRequest, keyFile: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.toUpperCase().startsWith('GIT_') && !REFUSED_ENV.has(k.toUpperCase())) env[k] = v;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_ASKPASS = '/bin/false';
  const creds = req.credentials;
  if (creds?.token) {
    const basic = Buffer.from(`${creds.username ?? 'x-access-token'}:${creds.token}`).toString('base64');
    Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` });
  }
  if (keyFile) env.GIT_SSH_COMMAND = `ssh -i ${keyFile} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new`;
  return env;
}

/** Git's own message, without secrets that could have been echoed. */
function cleanGitMessage(err: unknown, req: CloneRequest): string {
  let text = (err as Error).message ?? String(err);
  const creds = req.credentials;
  const basic = creds?.token ? Buffer.from(`${creds.username ?? 'x-access-token'}:${creds.token}`).toString('base64') : undefined;
  for (const secret of [creds?.token, creds?.sshKey, basic]) if (secret) text = text.split(secret).join('***');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^hint:/.test(l));
  return (lines.find((l) => l.startsWith('fatal:')) ?? lines[0] ?? 'unknown error').slice(0, 500);
}

function ensureTrailingNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
