/** Secrets for a private repository. They never leave the worker's memory and git's environment. */
export interface GitCredentials {
  /** For https: user name sent with the token (default `x-access-token`, as GitHub expects). */
  username?: string;
  /** For https: access token or password. */
  token?: string;
  /** For ssh: a private deploy key (PEM/OpenSSH text). */
  sshKey?: string;
}

export interface CloneRequest {
  url: string;
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

export interface GitClient {
  /** Clones shallowly, without hooks; resolves with the SHA checked out. */
  clone(request: CloneRequest): Promise<{ commit: string }>;
}
