export interface ImagePullRequest {
  /** A reference to pull: `registry.lan:5000/team/app:1`, `app` (meaning `app:latest` on Docker Hub), or pinned `name@sha256:<digest>`. */
  image: string;
  /** `os/arch[/variant]` to pull, e.g. `linux/arm64`; the engine's own platform when absent. */
  platform?: string;
}

export interface ImagePushRequest {
  /** Tag the image with this reference first and push that (`registry.lan:5000/team/app:1`); the image's own tag otherwise. */
  target?: string;
}

export interface ImageTagRequest {
  /** The new tag (`registry.lan:5000/team/app:1`; `app` means `app:latest`). */
  tag: string;
}

export interface ImageOperationErrorView {
  /** `registry_auth_failed`, `registry_not_found`, `registry_unreachable`, `registry_error`, `engine_error`, `cancelled`, `lost`... */
  code: string;
  message: string;
  /** `registry`: the registry host the failure came from. */
  details?: { [key: string]: unknown };
}

/** A pull or a push. */
export interface ImageOperationView {
  id: string;
  kind: 'pull' | 'push';
  /** The reference pulled, or the reference pushed. */
  image: string;
  /** The registry host it talks to (`docker.io` for Docker Hub). */
  registry: string;
  /** The node whose engine it runs on (`local`: the `[docker]` engine). */
  node: string;
  platform?: string;
  /**
   * `cancelled`: stopped by a cancel. `lost`: the API process stopped or restarted while it ran;
   * nothing resumes it, submit it again.
   */
  status: 'running' | 'succeeded' | 'failed' | 'cancelled' | 'lost';
  created_at: string;
  finished_at?: string;
  /** The local image pulled or pushed (`sha256:...`). */
  image_id?: string;
  /** The manifest digest (`sha256:...`): the registry's answer to a push, the pulled image's repo digest. */
  digest?: string;
  error?: ImageOperationErrorView;
  log_truncated: boolean;
}

export interface ImageOperationLogs {
  operation_id: string;
  status: string;
  /** Progress lines: per layer its status changes, then its bytes, then the outcome. */
  lines: Array<{ seq: number; time: string; text: string }>;
  truncated: boolean;
}
