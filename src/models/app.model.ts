import type { BuildRequest } from './build.model';

/** `start-first`: the new release starts beside the old one; `stop-first`: the old one stops first (one writer on a volume). */
export type AppStrategyName = 'start-first' | 'stop-first';

export type AppStatus = 'deploying' | 'running' | 'degraded' | 'crashed' | 'stopped' | 'new';

/** How a new release proves it serves: probed over HTTP from outside its containers. */
export interface HealthCheckSettings {
  /** Path probed on every replica; a 2xx or 3xx answer passes. Default `/`. */
  path?: string;
  /** Seconds between rounds of probes. Default 1. */
  interval_seconds?: number;
  /** Seconds one probe may take. Default 5. */
  timeout_seconds?: number;
  /** Seconds every replica of a new release has to pass once. Default 60. */
  gate_seconds?: number;
}

/** The git fields an app builds from, as `POST /api/v1/images/build` takes them. */
type GitFields = Pick<
  BuildRequest,
  'git_repo' | 'git_branch' | 'git_credentials' | 'git_submodules' | 'base_directory' | 'no_cache' | 'network' | 'nixpacks_config' | 'static_config' | 'dockerfile_config'
>;

/** The settings `POST` and `PATCH` share. */
interface AppSettings {
  /**
   * Runtime variables. Values are write-only: reads show the names. In `PATCH`, the named
   * variables are set (`null` removes one); variables not named keep their values.
   */
  env?: { [name: string]: string | null };
  /** Build-time variables (git apps), passed to the build as secret build arguments. Write-only like `env`. */
  build_env?: { [name: string]: string | null };
  /** Port the app listens on. Default: the image's single `EXPOSE`, else 3000 with `PORT` set to it. */
  port?: number;
  /** Host names routed to the app (lower-cased). Default `<name>.<[proxy] base_domain>` when a base domain is set. */
  domains?: string[];
  /** Replicas on this host, load-balanced. Default 1, at most 32. */
  replicas?: number;
  /** Memory limit of each replica: bytes, or a number with a unit `b`, `k`, `m`, `g` (e.g. `"512m"`). */
  memory?: string | number;
  /** CPU limit of each replica in cores, e.g. `0.5`. */
  cpus?: number;
  /** Command and arguments replacing the image's (no shell is involved). */
  command?: string[];
  /** Named volumes to their absolute mount paths, e.g. `{"data": "/data"}`. They live across releases. */
  volumes?: { [name: string]: string };
  health_check?: HealthCheckSettings;
  /** Default `start-first`. */
  strategy?: AppStrategyName;
  /** Seconds old replicas keep their in-flight requests after a switch. Default `[deploy] drain_seconds`. */
  drain_seconds?: number;
  /** gitignore-style patterns (git apps): a push that touches none of them is ignored. */
  watch_paths?: string[];
  /**
   * The node whose engine runs the replicas (`GET /api/v1/nodes`); git apps build there too. The
   * proxy reaches them at the node's `address`. Default `local`. A change takes effect at the next
   * deploy, which starts the new release there and then drains and removes the old one.
   */
  node?: string;
}

/**
 * Body of `POST /api/v1/apps`. The source is either a git repository (`git_repo` with
 * `buildpack_type` and its `*_config`) or a prebuilt `image`.
 */
export interface CreateAppRequest extends AppSettings, Partial<GitFields> {
  /** A DNS label: lower-case letters, digits and `-`, at most 63. Unique. */
  name: string;
  /** `nixpacks`, `static` or `dockerfile` (git apps). Compose files are not deployed as apps. */
  buildpack_type?: string;
  /** A prebuilt image reference (image apps), e.g. `registry.example.com/web:1.4`. */
  image?: string;
}

/** Body of `PATCH /api/v1/apps/{name}`: the fields to change. Source changes apply from the next deployment. */
export interface UpdateAppRequest extends AppSettings, Partial<GitFields> {
  buildpack_type?: string;
  image?: string;
}

/** A git source: the fields builds take, credentials never shown. */
export interface GitSourceView {
  type: 'git';
  git_repo: string;
  git_branch?: string;
  git_submodules?: boolean;
  buildpack_type: string;
  base_directory?: string;
  no_cache?: boolean;
  network?: string;
  nixpacks_config?: BuildRequest['nixpacks_config'];
  static_config?: BuildRequest['static_config'];
  dockerfile_config?: BuildRequest['dockerfile_config'];
}

export interface ImageSourceView {
  type: 'image';
  image: string;
}

export type AppSourceView = GitSourceView | ImageSourceView;

/** One replica of the live release, as the engine reports it. */
export interface ReplicaStateView {
  replica: number;
  container_id: string;
  /** The engine's state: `running`, `restarting`, `exited`... */
  state: string;
  restarts: number;
  /** `127.0.0.1:<port>` the proxy reaches it at. */
  address?: string;
}

export interface AppView {
  name: string;
  source: AppSourceView;
  /** Whether git credentials are stored (never shown). */
  has_git_credentials: boolean;
  /** Names of the runtime variables; values are never shown. */
  env: string[];
  /** Names of the build-time variables. */
  build_env: string[];
  port?: number;
  domains: string[];
  replicas: number;
  memory?: string;
  cpus?: number;
  command?: string[];
  volumes: { [name: string]: string };
  health_check: Required<HealthCheckSettings>;
  strategy: AppStrategyName;
  drain_seconds: number;
  watch_paths?: string[];
  /** The node the replicas run on (`local` unless set); the live release may still be on the one before until the next deploy. */
  node: string;
  /** `new` until the first deployment succeeds. */
  status: AppStatus;
  live_release?: number;
  /** `http://<domain>/` for each domain. */
  urls: string[];
  replicas_state: ReplicaStateView[];
  created_at: string;
  updated_at: string;
  /** Bumped by every change. */
  version: number;
}

/** The create answer: the app, and its webhook secret, shown this once. */
export interface CreatedApp extends AppView {
  /** Signs (GitHub, Gitea) or accompanies (GitLab) the app's webhooks. Shown only here; rotate it with `POST .../webhook-secret`. */
  webhook_secret: string;
}

export interface AppList {
  apps: AppView[];
}

export interface RotatedWebhookSecret {
  /** The new secret, shown this once. */
  webhook_secret: string;
  /** Until when the previous secret is still accepted (ISO time). */
  previous_valid_until: string;
}
