import type { PushEvent } from './push-event';
import type { WatchPaths } from './watch-paths';

/** The app a push is decided for. */
export interface DeployTarget {
  /** The branch the app deploys from. */
  branch: string;
  /** When set and not empty, only a change to a watched file deploys. */
  watchPaths?: WatchPaths;
}

/** Why a push is acknowledged without a deployment; stable codes for the webhook's answer. */
export type IgnoreReason = 'tag_push' | 'not_a_branch' | 'other_branch' | 'branch_deleted' | 'skip_ci' | 'no_watched_change';

export type PushDecision = { action: 'deploy'; commit: string } | { action: 'ignore'; reason: IgnoreReason; message: string };

/** Watch paths are set: the caller lists the files changed in the clone between `before` and `after`, then calls `decideChangedFiles`. */
export type PendingDecision = { action: 'list_changes'; before: string; after: string };

/** More changed files than this deploy without being matched one by one. */
export const MAX_CHANGED_FILES = 10_000;
/**
 * Matching steps after which the changed files are taken as watched, so patterns times paths
 * stays bounded (about 0.8 s of one core at worst; a usual push takes a few thousand steps).
 */
export const MAX_WATCH_STEPS = 20_000_000;

/** GitLab's skip pattern (`[ci skip]`, `[skip ci]`, `-` or `_` between, any case); GitHub Actions reads the first two the same way. */
const SKIP_CI = /\[(?:ci[ _-]skip|skip[ _-]ci)\]/i;

/**
 * Decides a push from what the payload says. A push to the app's branch deploys its `after`
 * commit, unless the head commit asks to skip CI; with watch paths, a push to an existing branch
 * needs the changed files first. A new branch has no `before` to compare with, so it deploys.
 */
export function decidePush(push: PushEvent, target: DeployTarget): PushDecision | PendingDecision {
  if (push.tag !== null) return ignore('tag_push', `${JSON.stringify(push.tag)} is a tag push; the app deploys branch ${JSON.stringify(target.branch)}`);
  if (push.branch === null) return ignore('not_a_branch', `${JSON.stringify(push.ref)} is not a branch`);
  if (push.branch !== target.branch)
    return ignore('other_branch', `the push is to branch ${JSON.stringify(push.branch)}; the app deploys ${JSON.stringify(target.branch)}`);
  if (push.deleted) return ignore('branch_deleted', `branch ${JSON.stringify(push.branch)} was deleted`);
  if (push.headCommitMessage !== null && SKIP_CI.test(push.headCommitMessage)) return ignore('skip_ci', 'the head commit message asks to skip CI');
  if (target.watchPaths === undefined || target.watchPaths.empty || push.created) return { action: 'deploy', commit: push.after };
  return { action: 'list_changes', before: push.before, after: push.after };
}

/** The second step with watch paths: deploy when one of the changed files is watched. */
export function decideChangedFiles(after: string, watchPaths: WatchPaths, changedFiles: readonly string[], maxSteps = MAX_WATCH_STEPS): PushDecision {
  if (changedFiles.length > MAX_CHANGED_FILES) return { action: 'deploy', commit: after };
  const counter = { steps: 0 };
  for (const file of changedFiles) {
    // Over the budget, deploying a push that may not need it beats missing one that does.
    if (counter.steps > maxSteps || watchPaths.watches(file, counter)) return { action: 'deploy', commit: after };
  }
  return ignore('no_watched_change', `none of the ${changedFiles.length} changed files is under the app's watch paths`);
}

function ignore(reason: IgnoreReason, message: string): PushDecision {
  return { action: 'ignore', reason, message };
}
