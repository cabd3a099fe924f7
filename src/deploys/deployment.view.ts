import type { DeploymentResult, DeploymentView, ReleaseView } from '../models/deployment.model';
import { DEPLOYMENT_ENDS, type DeploymentRecord, type ReleaseRecord } from './deployment.record';

/** A deployment as the API shows it. */
export function toDeploymentView(r: DeploymentRecord, ignored?: DeploymentResult['ignored']): DeploymentResult {
  return {
    id: r.id,
    app: r.app,
    kind: r.kind,
    status: r.status,
    trigger: r.trigger,
    ...(r.gitCommit ? { git_commit: r.gitCommit } : {}),
    ...(r.image ? { image: r.image } : {}),
    force: r.force,
    ...(r.buildId ? { build_id: r.buildId } : {}),
    ...(r.commit ? { commit: r.commit } : {}),
    ...(r.imageId ? { image_id: r.imageId } : {}),
    ...(r.release !== undefined ? { release: r.release } : {}),
    ...(r.node !== undefined ? { node: r.node } : {}),
    ...(r.previousRelease !== undefined ? { previous_release: r.previousRelease } : {}),
    ...(r.rollbackOf !== undefined ? { rollback_of: r.rollbackOf } : {}),
    times: { ...r.times },
    ...(r.error ? { error: r.error } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    attempts: r.attempts,
    ...(r.cancelRequested && !DEPLOYMENT_ENDS.has(r.status) ? { cancel_requested: true } : {}),
    ...(ignored ? { ignored } : {}),
  } satisfies DeploymentView & Pick<DeploymentResult, 'ignored'>;
}

export function toReleaseView(r: ReleaseRecord, liveRelease: number | undefined): ReleaseView {
  return {
    number: r.number,
    ...(r.commit ? { commit: r.commit } : {}),
    image: r.image,
    image_id: r.imageId,
    created_at: r.createdAt,
    deployment_id: r.deploymentId,
    live: r.number === liveRelease,
  };
}
