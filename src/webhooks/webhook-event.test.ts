import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ValidationError } from '../errors';
import { errorThrown } from '../errors/testing/error-thrown';
import { readWebhookEvent, WEBHOOK_MAX_BODY_BYTES } from './webhook-event';

const FIXTURES = join(__dirname, '../../test/fixtures/webhooks');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const githubPush = () => JSON.parse(fixture('github-push.json').toString()) as Record<string, unknown>;

const thrown = (run: () => unknown): AppError => errorThrown(AppError, run);

describe('readWebhookEvent: GitHub', () => {
  it('reads a push to a branch', () => {
    expect(readWebhookEvent('github', { 'x-github-event': 'push' }, fixture('github-push.json'))).toEqual({
      kind: 'push',
      push: {
        provider: 'github',
        ref: 'refs/heads/main',
        branch: 'main',
        tag: null,
        before: '9049f1265b7d61be4a8904a9a27120d2064dab3b',
        after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
        created: false,
        deleted: false,
        headCommitMessage: 'Fix the cart total\n\nRounding happened before tax.',
        commits: [
          { id: 'b5bd5a3d8f26aa1fd7d9cb88c1a4a5f6a1d77f44', message: 'Add the checkout page' },
          { id: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', message: 'Fix the cart total\n\nRounding happened before tax.' },
        ],
        defaultBranch: 'main',
      },
    });
  });

  it('reads a deleted branch, with no head commit', () => {
    const event = readWebhookEvent('github', { 'x-github-event': 'push' }, fixture('github-push-branch-deleted.json'));
    expect(event).toMatchObject({ kind: 'push', push: { branch: 'main', deleted: true, headCommitMessage: null, commits: [] } });
  });

  it('answers a ping without reading its body, and names any other event', () => {
    expect(readWebhookEvent('github', { 'x-github-event': 'ping' }, fixture('github-ping.json'))).toEqual({ kind: 'ping' });
    expect(readWebhookEvent('github', { 'x-github-event': 'ping' }, Buffer.from('not json'))).toEqual({ kind: 'ping' });
    expect(readWebhookEvent('github', { 'x-github-event': 'pull_request' }, Buffer.from('{}'))).toEqual({ kind: 'other', event: 'pull_request' });
  });

  it('reads a tag push and a SHA-256 repository', () => {
    const tag = { ...githubPush(), ref: 'refs/tags/v1.2.0' };
    expect(readWebhookEvent('github', { 'x-github-event': 'push' }, json(tag))).toMatchObject({ push: { branch: null, tag: 'v1.2.0' } });
    const sha256 = { ...githubPush(), before: 'a'.repeat(64), after: 'b'.repeat(64), head_commit: null, commits: [] };
    expect(readWebhookEvent('github', { 'x-github-event': 'push' }, json(sha256))).toMatchObject({ push: { after: 'b'.repeat(64) } });
  });

  it('takes the head message from the commit list when head_commit is another commit', () => {
    const body = { ...githubPush(), head_commit: { id: 'c'.repeat(40), message: 'not the head' } };
    const event = readWebhookEvent('github', { 'x-github-event': 'push' }, json(body));
    expect(event).toMatchObject({ push: { headCommitMessage: 'Fix the cart total\n\nRounding happened before tax.' } });
  });

  it('marks a new branch as created', () => {
    const body = { ...githubPush(), before: '0'.repeat(40), created: true };
    expect(readWebhookEvent('github', { 'x-github-event': 'push' }, json(body))).toMatchObject({ push: { created: true, deleted: false } });
  });
});

describe('readWebhookEvent: Gitea and Forgejo', () => {
  it('reads a push by X-Gitea-Event or X-Forgejo-Event', () => {
    for (const header of ['x-gitea-event', 'x-forgejo-event']) {
      const event = readWebhookEvent('gitea', { [header]: 'push' }, fixture('gitea-push.json'));
      expect(event).toMatchObject({
        kind: 'push',
        push: {
          provider: 'gitea',
          branch: 'main',
          after: 'bffeb74224043ba2feb48d137756c8a9331c449a',
          headCommitMessage: 'Update the README [skip ci]\n',
          deleted: false,
        },
      });
    }
  });

  it('reads a deleted branch from the zero id alone', () => {
    const body = { ...JSON.parse(fixture('gitea-push.json').toString()), after: '0'.repeat(40), head_commit: null, commits: [] };
    expect(readWebhookEvent('gitea', { 'x-gitea-event': 'push' }, json(body))).toMatchObject({ push: { deleted: true } });
  });

  it('acknowledges create and delete events as other events', () => {
    expect(readWebhookEvent('gitea', { 'x-gitea-event': 'delete' }, Buffer.from('{}'))).toEqual({ kind: 'other', event: 'delete' });
  });
});

describe('readWebhookEvent: GitLab', () => {
  it('reads a Push Hook, the head message found by the after id', () => {
    const event = readWebhookEvent('gitlab', { 'x-gitlab-event': 'Push Hook' }, fixture('gitlab-push.json'));
    expect(event).toMatchObject({
      kind: 'push',
      push: { provider: 'gitlab', branch: 'release', before: '95790bf891e76fee5e1747ab589903a6a1f80f22', headCommitMessage: 'Fix the README\n' },
    });
  });

  it("reads the project's default branch, and leaves an odd one unknown rather than refusing the push", () => {
    const body = JSON.parse(fixture('gitlab-push.json').toString('utf8')) as { project: { default_branch: unknown } };
    expect(readWebhookEvent('gitlab', { 'x-gitlab-event': 'Push Hook' }, Buffer.from(JSON.stringify(body)))).toMatchObject({ push: { defaultBranch: 'main' } });
    body.project.default_branch = 42;
    expect(readWebhookEvent('gitlab', { 'x-gitlab-event': 'Push Hook' }, Buffer.from(JSON.stringify(body)))).toMatchObject({ push: { defaultBranch: null } });
  });

  it('reads a Tag Push Hook as a tag', () => {
    const event = readWebhookEvent('gitlab', { 'x-gitlab-event': 'Tag Push Hook' }, fixture('gitlab-tag-push.json'));
    expect(event).toMatchObject({ kind: 'push', push: { tag: 'v1.0.0', branch: null, created: true } });
  });

  it('has no ping: a "ping" event is another event', () => {
    expect(readWebhookEvent('gitlab', { 'x-gitlab-event': 'ping' }, Buffer.from('{}'))).toEqual({ kind: 'other', event: 'ping' });
    expect(readWebhookEvent('gitlab', { 'x-gitlab-event': 'Merge Request Hook' }, Buffer.from('{}'))).toEqual({ kind: 'other', event: 'Merge Request Hook' });
  });

  it('refuses a body whose object_kind contradicts the header', () => {
    const err = thrown(() => readWebhookEvent('gitlab', { 'x-gitlab-event': 'Push Hook' }, fixture('gitlab-tag-push.json')));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.field).toBe('object_kind');
  });
});

describe('readWebhookEvent: hostile and broken deliveries', () => {
  const push = { 'x-github-event': 'push' };

  it('refuses a body over the cap before parsing it', () => {
    const err = thrown(() => readWebhookEvent('github', push, Buffer.alloc(101, 0x20), 100));
    expect(err.code).toBe('payload_too_large');
    expect(readWebhookEvent('github', push, fixture('github-push.json'), fixture('github-push.json').length).kind).toBe('push');
    expect(WEBHOOK_MAX_BODY_BYTES).toBe(4 * 1024 * 1024);
  });

  it.each([
    ['not JSON', Buffer.from('{"ref":'), 'not JSON'],
    ['a form-encoded payload', Buffer.from('payload=%7B%7D'), 'application/json'],
    ['an array', json([]), 'expected object'],
    ['null', json(null), 'expected object'],
    ['a missing after', json({ ...githubPush(), after: undefined }), 'after'],
    ['a short after', json({ ...githubPush(), after: 'abc123' }), 'commit id'],
    ['an upper-case after', json({ ...githubPush(), after: '0D1A26E67D8F5EAF1F6BA5C57FC3C7D91AC0FD1C' }), 'commit id'],
    ['a ref that is a number', json({ ...githubPush(), ref: 42 }), 'ref'],
    ['a ref without refs/', json({ ...githubPush(), ref: 'main' }), 'refs/'],
    ['a ref 2 kB long', json({ ...githubPush(), ref: `refs/heads/${'x'.repeat(2000)}` }), 'ref'],
    ['commits that are not a list', json({ ...githubPush(), commits: 'many' }), 'commits'],
    ['a commit message that is an object', json({ ...githubPush(), head_commit: { id: 'a'.repeat(40), message: {} } }), 'head_commit.message'],
  ])('refuses %s with a clear 400', (_, body, words) => {
    const err = thrown(() => readWebhookEvent('github', push, body));
    expect(err.code).toBe('invalid_input');
    expect(`${err.message} ${err.field ?? ''}`).toContain(words);
  });

  it('reads a deeply nested unknown field without trouble', () => {
    const nested = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = Buffer.from(fixture('github-push.json').toString().replace('"forced": false', `"forced": false, "extra": ${nested}`));
    expect(readWebhookEvent('github', push, body).kind).toBe('push');
  });

  it.each([
    ['no event header', {}, 'X-GitHub-Event'],
    ['an event header sent twice', { 'x-github-event': ['push', 'ping'] }, 'X-GitHub-Event'],
    ['an event name with control characters', { 'x-github-event': 'push\u001b[31m' }, 'X-GitHub-Event'],
    ['a long event name', { 'x-github-event': 'p'.repeat(65) }, 'X-GitHub-Event'],
  ])('refuses %s', (_, headers, field) => {
    const err = thrown(() => readWebhookEvent('github', headers, fixture('github-push.json')));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.field).toBe(field);
  });
});
