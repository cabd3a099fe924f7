export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'timeout' | 'cancelled';

/** Where the source (or the input) comes from: exactly one of `upload_id`, `git_repo` (source only) or `path`. */
export interface JobSourceRequest {
  /** An upload made with `POST /api/v1/jobs/uploads` (a tar); it is used up by the job. */
  upload_id?: string;
  /** A git repository, as builds take it (https, ssh or git URL; `[git] allowed_hosts`, `[git] credentials`). */
  git_repo?: string;
  /** Branch or tag to check out; default: the default branch. */
  git_branch?: string;
  /** Commit SHA to check out. */
  git_commit?: string;
  /** Credentials for a private repository, as for builds (a token for https, a deploy key for ssh). Kept sealed until the job ends; never shown. */
  git_credentials?: { username?: string; token?: string; ssh_key?: string };
  /** A folder on the Berth host, under one of `[jobs] allowed_roots`. */
  path?: string;
}

/** Body of `POST /api/v1/jobs`. */
export interface JobRequest {
  /** Image to run; it must be present on the engine (404 otherwise). */
  image: string;
  /** The entry script, relative to the source root (mounted at `/app`), e.g. `main.py`. */
  main: string;
  /** The program's source, mounted at `/app`. */
  source: JobSourceRequest;
  /** Input files, mounted read-only at `/app/data` (empty without it). */
  input?: JobSourceRequest;
  /**
   * Program and arguments, run in `/app` as given (never through a shell). Default by the entry
   * file's extension: `.py` python, `.js`/`.mjs`/`.cjs` node, `.sh` sh, `.rb` ruby, `.pl` perl,
   * `.php` php, `.R` Rscript, `.lua` lua, `.ts` npx tsx; other extensions need `run`.
   * (The string in the type only keeps the validator from wrapping a string into an array.)
   */
  run?: string | string[];
  /** Environment variables of the process. Kept with the job: not for secrets. */
  env?: { [name: string]: string };
  /** Seconds before the job is killed and ends as `timeout`. Default `[jobs] default_timeout_seconds`. */
  timeout_seconds?: number;
  /** Memory limit ("256m", bytes). Default `[jobs] memory`. */
  memory?: string | number;
  /** CPU limit in cores. Default `[jobs] cpus`. */
  cpus?: number;
  /** `none` (default) or `bridge`. */
  network?: string;
}

export interface JobView {
  id: string;
  status: JobStatus;
  image: string;
  main: string;
  run: string[];
  /** Names of the variables set (values are not shown). */
  env_names: string[];
  /** `upload`, `git` or `path`. */
  source: string;
  git_repo?: string;
  /** The commit checked out (git source). */
  commit?: string;
  /** `upload` or `path`; absent without input. */
  input?: string;
  timeout_seconds: number;
  memory_bytes?: number;
  cpus?: number;
  network: string;
  created_at: string;
  started_at?: string;
  ended_at?: string;
  exit_code?: number;
  oom_killed?: boolean;
  /** Bytes of the output tar, once collected (`GET .../output`). */
  output_bytes?: number;
  /** Times a worker took the job up. */
  attempts: number;
  error?: { code: string; message: string };
}

export interface JobList {
  jobs: JobView[];
  total: number;
  limit: number;
  offset: number;
}

export interface JobLogLine {
  seq: number;
  time: string;
  text: string;
}

export interface JobLogs {
  job_id: string;
  status: JobStatus;
  lines: JobLogLine[];
  log_truncated: boolean;
}

/** An upload kept for a job to use. */
export interface JobUpload {
  upload_id: string;
  size_bytes: number;
}
