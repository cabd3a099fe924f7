/** Secrets for a private repository. They never leave the worker's memory and git's environment. */
export interface GitCredentials {
  /** For https: user name sent with the token (default `x-access-token`, as GitHub expects). */
  username?: string;
  /** For https: access token or password. */
  token?: string;
  /** For ssh: a private deploy key (PEM/OpenSSH text). */
  sshKey?: string;
}

/** A remote the host guard accepted, with the address git must connect to instead of resolving again. */
export interface RemotePin {
  /** The URL to fetch, without credentials. */
  url: string;
  scheme: 'https' | 'http' | 'ssh' | 'git' | 'file';
  /** Host name or address as written in the URL (lower case, no brackets); '' for file URLs. */
  host: string;
  /** The port git connects to (the scheme's default when the URL names none); 0 for file URLs. */
  port: number;
  /** The checked address; absent for file URLs. */
  address?: string;
}

/** Checks a remote a repository names (a submodule) as the build's own remote was checked. */
export interface RemoteChecker {
  /** The pinned remote; rejects with an AppError (`host_refused`, `submodule_refused`) when refused. */
  check(url: string): Promise<RemotePin>;
}

export interface CloneRequest {
  url: string;
  /** Where `url` is allowed to connect (checked before cloning). */
  remote: RemotePin;
  /** Checks each submodule's URL before it is fetched. */
  remotes: RemoteChecker;
  /** Bytes the checkout (with its submodules and git data) may take; past it the clone stops. */
  maxBytes: number;
  /** Branch or tag to check out; the remote's default branch when absent. */
  branch?: string;
  /** Commit to check out instead of the branch tip. */
  commit?: string;
  /** Empty directory to clone into. */
  dir: string;
  submodules: boolean;
  allowFileProtocol: boolean;
  credentials?: GitCredentials;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Which files a push changed: two commits of a remote compared, without their file contents. */
export interface ChangedFilesRequest {
  /** Where `url` is allowed to connect (checked before fetching). */
  remote: RemotePin;
  /** The branch pushed: fetched whole (still without file contents) from servers that refuse commits by id. */
  branch: string;
  /** The branch's commit before the push; all zeros for a new branch (every file of `after` is then changed). */
  before: string;
  after: string;
  /** Directory under which a temporary repository is made, and removed once the list is read. */
  tempDir: string;
  /** Bytes the fetched git data may take; past it the fetch stops. */
  maxBytes: number;
  allowFileProtocol: boolean;
  credentials?: GitCredentials;
  /** Milliseconds git may go without output (a stalled server); the caller's signal bounds the whole. */
  timeoutMs: number;
  signal: AbortSignal;
}

export interface GitClient {
  /**
   * Clones shallowly (fully from servers that cannot serve shallow clones), without hooks, and
   * with `submodules` fetches each submodule whose URL `remotes` accepts; resolves with the SHA
   * checked out. The credentials are sent to the build's own remote only.
   */
  clone(request: CloneRequest): Promise<{ commit: string }>;
  /**
   * Paths (relative to the repository root) that differ between `before` and `after`: both commits
   * fetched shallowly and blobless into a temporary repository, hooks off, compared without rename
   * detection (which would need the contents). Rejects with an AppError when the remote or the
   * commits cannot be read.
   */
  changedFiles(request: ChangedFilesRequest): Promise<string[]>;
}
