import { posix } from 'node:path';
import { ValidationError } from '../errors';
import { credentials } from '../builds/build-request';
import { isValidImageReference } from '../builds/image-reference';
import type { GitCredentials } from '../git/git.port';
import { isCommitSha, isValidRefName, parseGitUrl } from '../git/git-url';
import type { JobRequest, JobSourceRequest } from '../models/job.model';
import { parseEnv, parseNetwork, parseTimeout } from '../runs/run-request';
import { parseCpus, parseMemory } from '../services/container-spec';
import type { JobInput, JobSource, JobSpec } from './job.record';

export interface JobLimits {
  defaultTimeoutSeconds: number;
  maxTimeoutSeconds: number;
  /** Git URLs with file:// (`[git] allow_file_urls`). */
  allowFileUrls: boolean;
}

/** The command run for an entry file by its extension, when the request names none. */
const RUN_BY_EXTENSION: Record<string, (main: string) => string[]> = {
  '.py': (m) => ['python', m],
  '.js': (m) => ['node', m],
  '.mjs': (m) => ['node', m],
  '.cjs': (m) => ['node', m],
  '.ts': (m) => ['npx', 'tsx', m],
  '.sh': (m) => ['sh', m],
  '.rb': (m) => ['ruby', m],
  '.pl': (m) => ['perl', m],
  '.php': (m) => ['php', m],
  '.r': (m) => ['Rscript', m],
  '.lua': (m) => ['lua', m],
};
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_ARGS = 4096;

/** The git credentials of the request (body or URL), kept apart from the spec: they are only stored sealed. */
export function jobGitCredentials(req: JobRequest): GitCredentials | undefined {
  const given = req.source?.git_repo !== undefined ? req.source : undefined;
  if (!given) {
    if (req.source?.git_credentials !== undefined) throw new ValidationError('git_credentials go with git_repo', 'source.git_credentials');
    return undefined;
  }
  const url = parseGitUrl(given.git_repo ?? '', true);
  try {
    return credentials(
      { git_credentials: given.git_credentials } as never,
      typeof url === 'string' ? undefined : url.username,
      typeof url === 'string' ? undefined : url.password,
    );
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(err.message, `source.${err.field ?? 'git_credentials'}`);
    throw err;
  }
}

/** The request as a job spec, or ValidationError naming the API field. Host paths are checked apart (they need the file system). */
export function validateJobRequest(req: JobRequest, limits: JobLimits, id: string): JobSpec {
  if (typeof req.image !== 'string' || !isValidImageReference(req.image)) {
    throw new ValidationError('image must be an image reference such as "debian:12"', 'image');
  }
  const main = entryPath(req.main);
  const input = req.input === undefined ? undefined : inputOf(req.input);
  return {
    id,
    image: req.image,
    main,
    run: req.run === undefined ? defaultRun(main) : parseRun(req.run),
    env: parseEnv(req.env ?? {}),
    timeoutSeconds: parseTimeout(req.timeout_seconds, { ...limits, maxStdinBytes: 0 }),
    ...(req.memory !== undefined ? { memoryBytes: parseMemory(req.memory) } : {}),
    ...(req.cpus !== undefined ? { nanoCpus: parseCpus(req.cpus) } : {}),
    network: parseNetwork(req.network),
    source: sourceOf(req.source, limits.allowFileUrls),
    ...(input ? { input } : {}),
  };
}

/** True when `id` can name an upload. */
export function isValidUploadId(id: string): boolean {
  return UPLOAD_ID.test(id);
}

export function defaultRun(main: string): string[] {
  const ext = posix.extname(main).toLowerCase();
  const make = RUN_BY_EXTENSION[ext];
  if (!make) {
    throw new ValidationError(
      `run is required: there is no default command for "${ext || main}" files (defaults exist for ${Object.keys(RUN_BY_EXTENSION).join(' ')})`,
      'run',
    );
  }
  return make(main);
}

function entryPath(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > 1024 || /[\0\\]/.test(value))
    throw new ValidationError('main must be a relative file path such as "main.py"', 'main');
  if (value.startsWith('/')) throw new ValidationError('main must be relative to the source root, not absolute', 'main');
  const normal = posix.normalize(value);
  if (normal === '.' || normal === '..' || normal.startsWith('../') || normal.endsWith('/')) throw new ValidationError('main must name a file inside the source', 'main');
  return normal;
}

function parseRun(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ARGS || value.some((a) => typeof a !== 'string' || a.includes('\0'))) {
    throw new ValidationError('run must be a non-empty array of strings; it is not run through a shell', 'run');
  }
  if (value[0] === '') throw new ValidationError('run[0], the program, must not be empty', 'run');
  return [...(value as string[])];
}

function sourceOf(value: unknown, allowFileUrls: boolean): JobSource {
  const given = kindOf(value, 'source');
  if (given.git_repo !== undefined) {
    const url = parseGitUrl(given.git_repo, allowFileUrls);
    if (typeof url === 'string') throw new ValidationError(`git_repo ${url}`, 'source.git_repo');
    if (given.git_branch !== undefined && !isValidRefName(given.git_branch))
      throw new ValidationError('git_branch is not a valid branch or tag name', 'source.git_branch');
    if (given.git_commit !== undefined && !isCommitSha(given.git_commit))
      throw new ValidationError('git_commit must be a commit SHA (7 to 64 hex digits)', 'source.git_commit');
    return {
      kind: 'git',
      repo: url.url,
      host: url.host,
      ...(given.git_branch !== undefined ? { branch: given.git_branch } : {}),
      ...(given.git_commit !== undefined ? { commit: given.git_commit.toLowerCase() } : {}),
    };
  }
  if (given.git_branch !== undefined || given.git_commit !== undefined) throw new ValidationError('git_branch and git_commit go with git_repo', 'source.git_repo');
  return given.path !== undefined ? { kind: 'path', path: hostPath(given.path, 'source.path') } : { kind: 'upload' };
}

function inputOf(value: unknown): JobInput {
  const given = kindOf(value, 'input');
  if (given.git_repo !== undefined || given.git_branch !== undefined || given.git_commit !== undefined) {
    throw new ValidationError('input is an upload_id or a path, not a git repository', 'input.git_repo');
  }
  return given.path !== undefined ? { kind: 'path', path: hostPath(given.path, 'input.path') } : { kind: 'upload' };
}

/** Exactly one of upload_id, git_repo (source only) and path. */
function kindOf(value: unknown, field: string): JobSourceRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ValidationError(`${field} must be an object with upload_id, git_repo or path`, field);
  const given = value as JobSourceRequest;
  const kinds = (['upload_id', 'git_repo', 'path'] as const).filter((k) => given[k] !== undefined);
  if (kinds.length !== 1) throw new ValidationError(`${field} needs exactly one of upload_id, git_repo or path`, field);
  if (given.upload_id !== undefined && (typeof given.upload_id !== 'string' || !UPLOAD_ID.test(given.upload_id))) {
    throw new ValidationError('upload_id must be an id from POST /api/v1/jobs/uploads', `${field}.upload_id`);
  }
  return given;
}

function hostPath(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.includes('\0') || value.length > 4096) {
    throw new ValidationError(`${field} must be an absolute path on the Berth host`, field);
  }
  if (value.split('/').includes('..')) throw new ValidationError(`${field} must not contain ".."`, field);
  return value;
}
