/** A deployment's phase (`queued` ... `draining`) or how it ended. */
export type DeploymentStatusName =
  'queued' | 'building' | 'starting' | 'health_checking' | 'switching' | 'draining' | 'succeeded' | 'failed' | 'cancelled' | 'superseded' | 'skipped';

/** Body of `POST /api/v1/apps/{name}/deployments`. */
export interface DeploymentRequest {
  /** Git apps: the commit to deploy (7 to 64 hex digits). Default: the head of the app's branch. */
  git_commit?: string;
  /** Image apps: the image reference to deploy. Default: the app's image. */
  image?: string;
  /** Deploy even when this commit (or image) is live or being deployed already. Default false. */
  force?: boolean;
}

/** Body of `POST /api/v1/apps/{name}/rollback`. */
export interface RollbackRequest {
  /** Release number to deploy again. Default: the release before the live one. */
  release?: number;
}

/** When the deployment entered each phase, and when it ended (ISO 8601). */
export interface DeploymentTimes {
  queued?: string;
  building?: string;
  starting?: string;
  health_checking?: string;
  switching?: string;
  draining?: string;
  succeeded?: string;
  failed?: string;
  cancelled?: string;
  superseded?: string;
  skipped?: string;
}

export interface DeploymentView {
  id: string;
  app: string;
  /** `deploy` (new code or image), `config` (changed settings), `rollback`, `restart` or `start`. */
  kind: string;
  status: DeploymentStatusName;
  /** Who asked: `api`, `webhook:github`, ... */
  trigger: string;
  /** The commit asked for (git apps). */
  git_commit?: string;
  /** The image asked for (image apps). */
  image?: string;
  force: boolean;
  /** The build that makes its image (git apps), once submitted. */
  build_id?: string;
  /** The commit deployed, once known. */
  commit?: string;
  /** Id of the image the new release runs, once known. */
  image_id?: string;
  /** The release number it makes, once starting. */
  release?: number;
  /** The node the release runs on (the app's `node` when it started), once starting. */
  node?: string;
  /** The release serving when it started: what stays serving if it fails. */
  previous_release?: number;
  /** For rollbacks: the release whose image and config are deployed again. */
  rollback_of?: number;
  times: DeploymentTimes;
  /** Why it failed, e.g. `release_unhealthy` or `replica_exited`. */
  error?: { code: string; message: string };
  /** Why it was superseded or skipped. */
  reason?: string;
  /** Times a worker took it up. */
  attempts: number;
  /** A cancel was asked for and the worker has not stopped yet. */
  cancel_requested?: boolean;
}

/** Answer of `POST /api/v1/apps/{name}/deployments`. */
export interface DeploymentResult extends DeploymentView {
  /** Set when nothing new was queued (status 200): the commit or image is `already_live` or `in_progress`; the deployment shown is the one that made the live release or the one running. */
  ignored?: 'already_live' | 'in_progress';
}

export interface DeploymentList {
  deployments: DeploymentView[];
  total: number;
  limit: number;
  offset: number;
}

export interface DeploymentLogs {
  deployment_id: string;
  status: DeploymentStatusName;
  /** Lines in order; `seq` is the line number (the SSE event id). Build output is prefixed `[build] `. */
  lines: Array<{ seq: number; time: string; text: string }>;
  /** The log reached its size cap (`[build] log_max_bytes`); later lines were dropped. */
  truncated: boolean;
}

export interface ReleaseView {
  number: number;
  /** The commit it runs (git apps). */
  commit?: string;
  /** The image reference as built or given. */
  image: string;
  /** The image id it runs (protected from image removal while the release is kept). */
  image_id: string;
  created_at: string;
  /** The deployment that made it. */
  deployment_id: string;
  /** It is serving now. */
  live: boolean;
}

export interface ReleaseList {
  /** Newest first; the last `[deploy] releases_kept` are kept. */
  releases: ReleaseView[];
}
