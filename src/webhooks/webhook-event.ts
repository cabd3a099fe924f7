import { AppError, ValidationError } from '../errors';
import { firstHeader, type WebhookHeaders, type WebhookProvider } from './webhook-headers';
import { parsePush, type PushEvent } from './push-event';

/**
 * The largest delivery body read, in bytes. GitHub caps its payloads at 25 MB, but a push only
 * reaches that with thousands of commits listing their files; Berth needs the ref and two ids.
 */
export const WEBHOOK_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** What a verified delivery asks for: a ping to answer, a push to decide on, or anything else to acknowledge. */
export type WebhookEvent = { kind: 'ping' } | { kind: 'push'; push: PushEvent } | { kind: 'other'; event: string };

const EVENT_HEADERS: Record<WebhookProvider, readonly string[]> = {
  github: ['X-GitHub-Event'],
  gitea: ['X-Forgejo-Event', 'X-Gitea-Event', 'X-Gogs-Event'],
  gitlab: ['X-Gitlab-Event'],
};

/** Event names are echoed in the answer, so only plain ones are read. */
const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;

/** GitLab's event names for the two pushes, and the `object_kind` each carries. */
const GITLAB_PUSHES: Record<string, 'push' | 'tag_push'> = { 'Push Hook': 'push', 'Tag Push Hook': 'tag_push' };

/**
 * Interprets a delivery that passed `verifyWebhook`. GitLab has no ping event: its "Test" button
 * sends a real "Push Hook" with the project's latest commits, which is decided like any push.
 */
export function readWebhookEvent(provider: WebhookProvider, headers: WebhookHeaders, rawBody: Buffer, maxBytes = WEBHOOK_MAX_BODY_BYTES): WebhookEvent {
  if (rawBody.length > maxBytes) throw new AppError('payload_too_large', `the delivery is larger than ${maxBytes} bytes`);
  const event = eventName(provider, headers);
  if (provider === 'gitlab') {
    const kind = Object.hasOwn(GITLAB_PUSHES, event) ? GITLAB_PUSHES[event] : undefined;
    return kind === undefined ? { kind: 'other', event } : { kind: 'push', push: parsePush(provider, parseJson(rawBody), kind) };
  }
  if (event === 'ping') return { kind: 'ping' };
  if (event === 'push') return { kind: 'push', push: parsePush(provider, parseJson(rawBody)) };
  return { kind: 'other', event };
}

function eventName(provider: WebhookProvider, headers: WebhookHeaders): string {
  const names = EVENT_HEADERS[provider];
  const header = firstHeader(headers, names);
  if (header === undefined) throw new ValidationError(`the delivery has no ${names.join(' or ')} header`, names[0]);
  if (header.value === null || !EVENT_NAME.test(header.value)) throw new ValidationError(`the ${header.name} header is not an event name`, header.name);
  return header.value;
}

function parseJson(rawBody: Buffer): unknown {
  const text = rawBody.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // GitHub's other content type wraps the JSON in a form field.
    const hint = text.startsWith('payload=') ? ': set the webhook\'s content type to "application/json"' : '';
    throw new ValidationError(`the delivery body is not JSON${hint}`);
  }
}
