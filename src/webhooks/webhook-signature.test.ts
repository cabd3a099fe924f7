import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookSignatureError } from '../errors';
import { errorThrown } from '../errors/testing/error-thrown';
import { verifyWebhook, type WebhookSecrets } from './webhook-signature';

const FIXTURES = join(__dirname, '../../test/fixtures/webhooks');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const SECRET = 'berth-webhook-test-secret';
const NOW = new Date('2026-11-27T10:00:00Z');
const only = (current: string): WebhookSecrets => ({ current, now: NOW });

// Known answers computed apart from this code: `openssl dgst -sha256 -hmac berth-webhook-test-secret -r < FILE`.
const GITHUB_PUSH_HMAC = '1a37d586513345f58003efa113749afca5c9f6546476385946fa63562cad11a6';
const GITEA_PUSH_HMAC = '4476cf37d0162fe6ee50f08a5d854b1f84f6e805ddb537a226e1718feff8f0b1';

const failure = (run: () => unknown): WebhookSignatureError => errorThrown(WebhookSignatureError, run);

describe('verifyWebhook: GitHub', () => {
  it("accepts GitHub's documented test vector", () => {
    // docs.github.com, "Validating webhook deliveries": secret, payload and X-Hub-Signature-256.
    const headers = { 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' };
    expect(verifyWebhook('github', headers, Buffer.from('Hello, World!'), only("It's a Secret to Everybody"))).toBe('current');
  });

  it('accepts a push fixture signed as openssl signs it, and upper-case hex', () => {
    const body = fixture('github-push.json');
    expect(verifyWebhook('github', { 'x-hub-signature-256': `sha256=${GITHUB_PUSH_HMAC}` }, body, only(SECRET))).toBe('current');
    expect(verifyWebhook('github', { 'x-hub-signature-256': `sha256=${GITHUB_PUSH_HMAC.toUpperCase()}` }, body, only(SECRET))).toBe('current');
  });

  it('refuses a body changed by one byte, a wrong secret, and a re-serialized body', () => {
    const body = fixture('github-push.json');
    const headers = { 'x-hub-signature-256': `sha256=${GITHUB_PUSH_HMAC}` };
    const changed = Buffer.from(body);
    changed.writeUInt8((changed.at(-2) as number) ^ 1, changed.length - 2);
    expect(failure(() => verifyWebhook('github', headers, changed, only(SECRET))).code).toBe('webhook_signature_invalid');
    expect(failure(() => verifyWebhook('github', headers, body, only(`${SECRET}x`))).code).toBe('webhook_signature_invalid');
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    expect(failure(() => verifyWebhook('github', headers, reserialized, only(SECRET))).code).toBe('webhook_signature_invalid');
  });

  it.each([
    ['no prefix', GITHUB_PUSH_HMAC],
    ['the SHA-1 prefix', `sha1=${GITHUB_PUSH_HMAC}`],
    ['a short digest', `sha256=${GITHUB_PUSH_HMAC.slice(0, 62)}`],
    ['a long digest', `sha256=${GITHUB_PUSH_HMAC}00`],
    ['non-hex digits', `sha256=${GITHUB_PUSH_HMAC.slice(0, 63)}g`],
    ['an empty value', ''],
  ])('refuses a malformed header (%s) as invalid', (_, value) => {
    const err = failure(() => verifyWebhook('github', { 'x-hub-signature-256': value }, fixture('github-push.json'), only(SECRET)));
    expect(err.code).toBe('webhook_signature_invalid');
  });

  it('refuses a missing header as missing, whatever else is sent', () => {
    const headers = { 'x-hub-signature': 'sha1=0000', 'x-gitea-signature': GITHUB_PUSH_HMAC };
    const err = failure(() => verifyWebhook('github', headers, fixture('github-push.json'), only(SECRET)));
    expect(err.code).toBe('webhook_signature_missing');
    expect(err.message).toContain('X-Hub-Signature-256');
  });

  it('refuses a header sent twice with different values', () => {
    const headers = { 'x-hub-signature-256': [`sha256=${GITHUB_PUSH_HMAC}`, 'sha256=00'] };
    expect(failure(() => verifyWebhook('github', headers, fixture('github-push.json'), only(SECRET))).code).toBe('webhook_signature_invalid');
  });

  it('never puts the secret or the signature in its message', () => {
    const sent = 'sha256=' + 'ab'.repeat(32);
    const err = failure(() => verifyWebhook('github', { 'x-hub-signature-256': sent }, Buffer.from('{}'), only(SECRET)));
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain('abab');
  });

  it('refuses everything when the secret is empty, even a signature made with the empty key', () => {
    // openssl dgst -sha256 -hmac '' of the empty body.
    const headers = { 'x-hub-signature-256': 'sha256=b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad' };
    expect(failure(() => verifyWebhook('github', headers, Buffer.alloc(0), only(''))).code).toBe('webhook_signature_invalid');
  });
});

describe('verifyWebhook: Gitea and Forgejo', () => {
  const body = fixture('gitea-push.json');

  it('accepts X-Gitea-Signature, bare hex of the HMAC', () => {
    expect(verifyWebhook('gitea', { 'x-gitea-signature': GITEA_PUSH_HMAC }, body, only(SECRET))).toBe('current');
  });

  it('accepts X-Forgejo-Signature alone, and reads it first when both are sent', () => {
    expect(verifyWebhook('gitea', { 'x-forgejo-signature': GITEA_PUSH_HMAC }, body, only(SECRET))).toBe('current');
    const both = { 'x-forgejo-signature': GITEA_PUSH_HMAC, 'x-gitea-signature': GITEA_PUSH_HMAC };
    expect(verifyWebhook('gitea', both, body, only(SECRET))).toBe('current');
    const forgejoWrong = { 'x-forgejo-signature': '0'.repeat(64), 'x-gitea-signature': GITEA_PUSH_HMAC };
    expect(failure(() => verifyWebhook('gitea', forgejoWrong, body, only(SECRET))).code).toBe('webhook_signature_invalid');
  });

  it('refuses the GitHub form, a wrong secret and a missing header', () => {
    expect(failure(() => verifyWebhook('gitea', { 'x-gitea-signature': `sha256=${GITEA_PUSH_HMAC}` }, body, only(SECRET))).code).toBe('webhook_signature_invalid');
    expect(failure(() => verifyWebhook('gitea', { 'x-gitea-signature': GITEA_PUSH_HMAC }, body, only('other'))).code).toBe('webhook_signature_invalid');
    const missing = failure(() => verifyWebhook('gitea', { 'x-hub-signature-256': `sha256=${GITEA_PUSH_HMAC}` }, body, only(SECRET)));
    expect(missing.code).toBe('webhook_signature_missing');
  });
});

describe('verifyWebhook: GitLab', () => {
  const body = fixture('gitlab-push.json');

  it('accepts the token itself, whatever the body', () => {
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': SECRET }, body, only(SECRET))).toBe('current');
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': SECRET }, Buffer.from('anything'), only(SECRET))).toBe('current');
  });

  it.each([
    ['a prefix of the secret', SECRET.slice(0, -1)],
    ['the secret and more', `${SECRET}!`],
    ['a different case', SECRET.toUpperCase()],
    ['an empty token', ''],
    ['the HMAC instead of the token', GITEA_PUSH_HMAC],
  ])('refuses %s', (_, token) => {
    expect(failure(() => verifyWebhook('gitlab', { 'x-gitlab-token': token }, body, only(SECRET))).code).toBe('webhook_signature_invalid');
  });

  it('refuses a delivery without X-Gitlab-Token as missing', () => {
    expect(failure(() => verifyWebhook('gitlab', {}, body, only(SECRET))).code).toBe('webhook_signature_missing');
  });
});

describe('verifyWebhook: rotation', () => {
  const body = fixture('github-push.json');
  const signedWithOld = { 'x-hub-signature-256': `sha256=${GITHUB_PUSH_HMAC}` };
  const rotated = (validUntil: Date): WebhookSecrets => ({ current: 'the-new-secret', previous: { secret: SECRET, validUntil }, now: NOW });

  it('accepts the previous secret before its deadline and says so', () => {
    expect(verifyWebhook('github', signedWithOld, body, rotated(new Date(NOW.getTime() + 1)))).toBe('previous');
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': SECRET }, body, rotated(new Date(NOW.getTime() + 1)))).toBe('previous');
  });

  it('refuses the previous secret from its deadline on, and an invalid deadline', () => {
    expect(failure(() => verifyWebhook('github', signedWithOld, body, rotated(NOW))).code).toBe('webhook_signature_invalid');
    expect(failure(() => verifyWebhook('github', signedWithOld, body, rotated(new Date(Number.NaN)))).code).toBe('webhook_signature_invalid');
  });

  it('accepts the current secret during the grace period', () => {
    const current = createSigned(body, 'the-new-secret');
    expect(verifyWebhook('github', { 'x-hub-signature-256': current }, body, rotated(new Date(NOW.getTime() + 60_000)))).toBe('current');
  });
});

/** The one signature this file computes itself: the rotation test needs a second secret. */
function createSigned(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
