import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from '../errors';
import { firstHeader, type WebhookHeaders, type WebhookProvider } from './webhook-headers';

/**
 * An app's webhook secrets. After a rotation the previous secret keeps working until
 * `validUntil` (exclusive), so deliveries already signed with it, and senders not yet updated, pass.
 */
export interface WebhookSecrets {
  current: string;
  previous?: { secret: string; validUntil: Date };
  now: Date;
}

/** Which secret signed the delivery: `previous` tells the operator a sender still uses the old one. */
export type SecretUsed = 'current' | 'previous';

/** The header each provider signs with, in the order they are read. */
const SIGNATURE_HEADERS: Record<WebhookProvider, readonly string[]> = {
  github: ['X-Hub-Signature-256'],
  // Forgejo sends both with the same value; older Gitea sends only X-Gitea-Signature.
  gitea: ['X-Forgejo-Signature', 'X-Gitea-Signature'],
  gitlab: ['X-Gitlab-Token'],
};

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Checks a delivery against the app's secrets over the raw body bytes, before anything parses
 * it. Every comparison is between equal-length digests with `timingSafeEqual`. Throws
 * WebhookSignatureError (401) when the header is missing or no valid secret matches.
 */
export function verifyWebhook(provider: WebhookProvider, headers: WebhookHeaders, rawBody: Buffer, secrets: WebhookSecrets): SecretUsed {
  const names = SIGNATURE_HEADERS[provider];
  const header = firstHeader(headers, names);
  if (header === undefined) {
    throw new WebhookSignatureError(
      'webhook_signature_missing',
      `the delivery has no ${names.join(' or ')} header: set the webhook's secret to the app's webhook secret`,
    );
  }
  const sent = header.value === null ? undefined : sentDigest(provider, header.value);
  const candidates = validSecrets(secrets);
  // Every candidate is compared, so the time taken does not tell which secret matched.
  const matches = candidates.map(({ secret }) => sent !== undefined && timingSafeEqual(sent, expectedDigest(provider, secret, rawBody)));
  const index = matches.indexOf(true);
  const used = index >= 0 ? candidates[index] : undefined;
  if (used === undefined) {
    throw new WebhookSignatureError('webhook_signature_invalid', `the ${header.name} header does not match the app's webhook secret`);
  }
  return used.name;
}

/** The digest the sender claims, or undefined when the header is malformed. */
function sentDigest(provider: WebhookProvider, value: string): Buffer | undefined {
  if (provider === 'gitlab') return sha256(Buffer.from(value, 'utf8'));
  const hex = provider === 'github' ? (value.startsWith('sha256=') ? value.slice('sha256='.length) : undefined) : value;
  return hex !== undefined && HEX_SHA256.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

/** What a sender holding `secret` would have sent, in the form `sentDigest` gives. */
function expectedDigest(provider: WebhookProvider, secret: string, rawBody: Buffer): Buffer {
  if (provider === 'gitlab') return sha256(Buffer.from(secret, 'utf8'));
  return createHmac('sha256', secret).update(rawBody).digest();
}

/** The secrets a delivery may be signed with now. An empty secret is never valid: anyone could sign with it. */
function validSecrets({ current, previous, now }: WebhookSecrets): Array<{ name: SecretUsed; secret: string }> {
  const list: Array<{ name: SecretUsed; secret: string }> = [];
  if (current !== '') list.push({ name: 'current', secret: current });
  if (previous !== undefined && previous.secret !== '' && now.getTime() < previous.validUntil.getTime()) list.push({ name: 'previous', secret: previous.secret });
  return list;
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}
