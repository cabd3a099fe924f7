/** Why a verified delivery deployed nothing. Stable strings: senders' logs and scripts may match them. */
export type WebhookIgnoreReason = 'other_branch' | 'tag' | 'deleted_branch' | 'skip_ci' | 'no_watched_change' | 'already_live' | 'in_progress' | 'not_a_push';

/** What Berth did with a verified delivery. */
export interface WebhookAnswer {
  /** `pong`: a ping answered; `queued`: a deployment was queued; `ignored`: nothing deployed, `reason` says why. */
  result: 'pong' | 'queued' | 'ignored';
  /** The deployment queued, or (with `already_live`/`in_progress`) the one that already has the commit. */
  deployment_id?: string;
  reason?: WebhookIgnoreReason;
  /** The same in words, for the sender's delivery log. */
  message?: string;
}
