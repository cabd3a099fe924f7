/** What a push asks of deployments: this commit, deduplicated, said to come from a webhook. */
export interface DeployRequest {
  git_commit: string;
  /** Always false from a webhook: a commit already live or in progress is not deployed again. */
  force: boolean;
  /** Who asked, e.g. `webhook:github`; recorded on the deployment. */
  trigger: string;
}

export interface DeployRequestResult {
  /** false when an existing deployment already has the commit. */
  created: boolean;
  deployment: { id: string; status: string };
  /** Why nothing new was queued: `already_live`, or `in_progress` for a deployment still running. */
  ignored?: string;
}

/** The deployments of apps, as webhooks use them (DeploymentService provides it). */
export interface DeployRequester {
  deploy(app: string, request: DeployRequest): Promise<DeployRequestResult>;
}
