/** `buildpack_type` values; `compose` is accepted as an alias of `docker-compose`. */
export type BuildpackType = 'nixpacks' | 'static' | 'dockerfile' | 'docker-compose' | 'compose';

export type BuildStatus = 'queued' | 'cloning' | 'building' | 'succeeded' | 'failed' | 'cancelled';

/** Body of `POST /api/v1/images/build`. */
export interface BuildRequest {
  /** Build id: letters, digits, `.`, `_`, `-` (max 128). Generated when absent; resubmitting an id returns the existing build. */
  id?: string;
  /** Repository URL: https, http, ssh, git (or `user@host:path`); file:// only when `[git] allow_file_urls`. */
  git_repo: string;
  /** Branch or tag to build; the remote's default branch when absent. */
  git_branch?: string;
  /** Commit SHA to check out instead of the branch tip. */
  git_commit?: string;
  /** Credentials for a private repository: an access token for https, a deploy key for ssh. Never stored with the build nor shown. */
  git_credentials?: { username?: string; token?: string; ssh_key?: string };
  /** Also clone submodules. Default false. */
  git_submodules?: boolean;
  buildpack_type: BuildpackType;
  /** Reference of the image to produce, e.g. `myapp:latest`. */
  image_tag: string;
  /** Subfolder of the repository used as the build context (monorepos). */
  base_directory?: string;
  /** Build without the engine's layer cache. Default false. */
  no_cache?: boolean;
  /** Network of `RUN` steps: `default` (the engine's usual network) or `none` (loopback only). Default `default`. */
  network?: string;
  /**
   * The node whose engine builds the image (`GET /api/v1/nodes`): the image is made there, and
   * listed by `/api/v1/nodes/{node}/images`. Default `local`. The PID limit of `[build]` applies to
   * `local` only (it is a cgroup on Berth's host); memory and CPU limits apply on every node.
   */
  node?: string;
  /** Secret build-time values, passed as build arguments; never kept in a generated image, shown as `***` in logs, stored only sealed (the build record keeps the names). */
  env?: { [name: string]: string };
  nixpacks_config?: {
    start_command?: string;
    build_command?: string;
    install_command?: string;
    /** Variables set at build and run time, kept in the image: not for secrets (use `env`). */
    variables?: { [name: string]: string };
  };
  static_config?: {
    build_command?: string;
    install_command?: string;
    /** Directory served once built. Default `dist` with a build command, else the root (or `public/`). */
    output_dir?: string;
    /** Answer unknown paths with index.html (single-page apps). Default true. */
    spa?: boolean;
  };
  dockerfile_config?: {
    /** Path of the Dockerfile inside the context. Default `Dockerfile`. */
    dockerfile_path?: string;
    /** Build arguments, treated as secrets like `env`: shown as `***` in logs, stored only sealed (the build record keeps the names). */
    build_args?: { [name: string]: string };
    /** Multi-stage target. */
    target?: string;
  };
  compose_config?: {
    /** Compose file inside the context. Default: docker-compose.yml, compose.yml or their .yaml forms. */
    compose_file?: string;
    /** Build only this service; its image is tagged `image_tag`, others `<image_tag>-<service>`. */
    service?: string;
  };
}

export interface BuildView {
  id: string;
  status: BuildStatus;
  buildpack_type: string;
  /** Absent for recipe builds (`buildpack_type` `recipe`), which have no repository. */
  git_repo?: string;
  git_branch?: string;
  git_commit?: string;
  base_directory?: string;
  image_tag: string;
  /** Network of `RUN` steps: `default` or `none`. */
  network: string;
  /** The node that builds it. */
  node: string;
  /** Commit SHA that was built. */
  commit?: string;
  /** Id of the built image (the one tagged `image_tag`). */
  image_id?: string;
  /** Every image the build produced (compose builds produce one per service). */
  images?: Array<{ tag: string; id: string; service?: string }>;
  /** Why the build failed (`timeout` for builds past the limit). */
  error?: { code: string; message: string };
  /** When each phase began, and when the build ended. */
  timestamps: {
    queued: string;
    cloning?: string;
    building?: string;
    finished?: string;
  };
  /** Seconds from queueing to the end, once finished. */
  duration_seconds?: number;
  /** Times a worker took the build up. */
  attempts: number;
  /** The buildpack's plan (what was detected and what runs). */
  plan?: { [key: string]: unknown };
  cancel_requested?: boolean;
}

export interface BuildList {
  builds: BuildView[];
  /** Total matching builds. */
  total: number;
  limit: number;
  offset: number;
}

export interface BuildLogLine {
  /** Position of the line in the log, from 0; also the SSE event id. */
  seq: number;
  time: string;
  text: string;
}

export interface BuildLogs {
  build_id: string;
  status: BuildStatus;
  lines: BuildLogLine[];
  truncated: boolean;
}
