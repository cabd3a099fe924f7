import { z } from 'zod';
import { ValidationError } from '../errors';
import type { WebhookProvider } from './webhook-headers';

/** A push, the same for every provider: what the deploy decision needs, nothing else. */
export interface PushEvent {
  provider: WebhookProvider;
  /** The full ref pushed, `refs/heads/main` or `refs/tags/v1`. */
  ref: string;
  /** The branch name when `ref` is under `refs/heads/`, else null. */
  branch: string | null;
  /** The tag name when `ref` is under `refs/tags/`, else null. */
  tag: string | null;
  before: string;
  after: string;
  /** The ref did not exist before the push (`before` is all zeros). */
  created: boolean;
  /** The push removed the ref (`after` is all zeros). */
  deleted: boolean;
  /** The message of the commit `after` points to, when the payload carries it. */
  headCommitMessage: string | null;
  /** The commits the payload lists; providers cap this list, so it is never the whole story. */
  commits: Array<{ id: string; message: string }>;
  /** The repository's default branch as the payload names it: what an app without a branch deploys. */
  defaultBranch: string | null;
}

/** SHA-1 or SHA-256 object names, lower-case as every provider sends them. */
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ZERO_ID = /^0+$/;
const MAX_REF_LENGTH = 1024;

const commitId = z.string().regex(COMMIT_ID, 'must be a commit id (40 or 64 lower-case hex digits)');
const ref = z.string().min(1).max(MAX_REF_LENGTH).startsWith('refs/', 'must be a full ref name starting with "refs/"');
const commit = z.object({ id: commitId, message: z.string() });
/** Read only when it is a plausible branch name; an odd one leaves the default branch unknown. */
const repository = z
  .object({ default_branch: z.string().min(1).max(255).nullish().catch(undefined) })
  .nullish()
  .catch(undefined);

/** GitHub's push payload; Gitea and Forgejo send the same fields (without `created`/`deleted`). */
const githubLikePush = z.object({
  ref,
  before: commitId,
  after: commitId,
  created: z.boolean().optional(),
  deleted: z.boolean().optional(),
  head_commit: commit.nullish(),
  commits: z.array(commit).nullish(),
  repository,
});

/** GitLab's "Push Hook" and "Tag Push Hook" payloads. `checkout_sha` is not read: for a branch it is `after`. */
const gitlabPush = z.object({
  object_kind: z.enum(['push', 'tag_push']),
  ref,
  before: commitId,
  after: commitId,
  commits: z.array(commit).nullish(),
  project: repository,
});

/**
 * Reads a push payload that has already passed signature verification. Unknown fields are
 * ignored; a missing or mistyped field the decision needs is a ValidationError naming it.
 */
export function parsePush(provider: WebhookProvider, body: unknown, objectKind?: 'push' | 'tag_push'): PushEvent {
  if (provider === 'gitlab') {
    const payload = checked(gitlabPush, body);
    if (objectKind !== undefined && payload.object_kind !== objectKind) {
      throw new ValidationError(`object_kind "${payload.object_kind}" does not match the X-Gitlab-Event header`, 'object_kind');
    }
    const commits = payload.commits ?? [];
    const event = pushEvent(provider, payload, commits, commits.find((c) => c.id === payload.after)?.message ?? null);
    return { ...event, defaultBranch: payload.project?.default_branch ?? null };
  }
  const payload = checked(githubLikePush, body);
  const commits = payload.commits ?? [];
  const head = payload.head_commit?.id === payload.after ? payload.head_commit : commits.find((c) => c.id === payload.after);
  const event = pushEvent(provider, payload, commits, head?.message ?? null);
  return {
    ...event,
    created: event.created || payload.created === true,
    deleted: event.deleted || payload.deleted === true,
    defaultBranch: payload.repository?.default_branch ?? null,
  };
}

function pushEvent(
  provider: WebhookProvider,
  payload: { ref: string; before: string; after: string },
  commits: Array<{ id: string; message: string }>,
  headCommitMessage: string | null,
): Omit<PushEvent, 'defaultBranch'> {
  return {
    provider,
    ref: payload.ref,
    branch: refName(payload.ref, 'refs/heads/'),
    tag: refName(payload.ref, 'refs/tags/'),
    before: payload.before,
    after: payload.after,
    created: ZERO_ID.test(payload.before),
    deleted: ZERO_ID.test(payload.after),
    headCommitMessage,
    commits: commits.map(({ id, message }) => ({ id, message })),
  };
}

function refName(ref: string, prefix: string): string | null {
  return ref.startsWith(prefix) && ref.length > prefix.length ? ref.slice(prefix.length) : null;
}

function checked<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || undefined;
  throw new ValidationError(`the push payload ${field !== undefined ? `field ${field} ` : ''}${issue?.message.toLowerCase() ?? 'is malformed'}`, field);
}
