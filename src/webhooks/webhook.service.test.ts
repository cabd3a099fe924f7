import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import type { AppRecord, AppSecrets } from '../apps/app.record';
import { AppError } from '../errors';
import type { HostResolver } from '../git/host-resolver';
import { FakeChangesGitClient, FakeDeployRequester, MemoryAppStore, gitApp } from './testing/webhook-fakes';
import { WebhookService } from './webhook.service';

const FIXTURES = join(__dirname, '../../test/fixtures/webhooks');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const SECRET = 'shop-webhook-secret';
const NOW = new Date('2026-11-27T10:00:00Z');
const REPO = 'https://git.example.com/acme/shop.git';
const PUSH_AFTER = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';
const PUSH_BEFORE = '9049f1265b7d61be4a8904a9a27120d2064dab3b';
const resolver: HostResolver = { resolve: () => Promise.resolve(['127.0.0.1']) };

let apps: MemoryAppStore;
let deploys: FakeDeployRequester;
let git: FakeChangesGitClient;
let service: WebhookService;

beforeEach(() => {
  apps = new MemoryAppStore();
  deploys = new FakeDeployRequester();
  git = new FakeChangesGitClient();
  service = new WebhookService(
    apps,
    deploys,
    git,
    {
      allowFileUrls: false,
      allowedHosts: ['git.example.com'],
      hostResolver: resolver,
      hostCredentials: { 'git.example.com': { token: 'host-token' } },
      tempDir: '/tmp',
      now: () => NOW,
    },
    winston.createLogger({ silent: true }),
  );
});

async function addApp(extra: Partial<AppRecord> & { branch?: string } = {}, secrets: Partial<AppSecrets> = {}): Promise<void> {
  await apps.create(gitApp('shop', REPO, extra), { env: {}, buildEnv: {}, webhookSecret: SECRET, ...secrets });
}

const sign = (body: Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const github = (event: string, body: Buffer, secret = SECRET) => ({ 'x-github-event': event, 'x-hub-signature-256': sign(body, secret) });

/** The GitHub push fixture with changes, signed again by the caller. */
function githubPush(change: (payload: Record<string, unknown>) => void): Buffer {
  const payload = JSON.parse(fixture('github-push.json').toString('utf8')) as Record<string, unknown>;
  change(payload);
  return Buffer.from(JSON.stringify(payload));
}

async function failure(run: Promise<unknown>): Promise<AppError> {
  const err: unknown = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof AppError) return err;
  throw new Error(`expected an AppError, got ${String(err)}`);
}

describe('WebhookService: who may deliver', () => {
  it('answers not_found for an unknown app, a bad provider and a name that is no app name alike', async () => {
    await addApp();
    const body = fixture('github-push.json');
    for (const [provider, app] of [
      ['github', 'nope'],
      ['bitbucket', 'shop'],
      ['github', '../shop'],
    ] as const) {
      const err = await failure(service.receive(provider, app, github('push', body), body));
      expect(err.code).toBe('not_found');
      expect(err.message).toBe(`app ${JSON.stringify(app)} not found`);
    }
    expect(deploys.calls).toEqual([]);
  });

  it('refuses a missing signature and queues nothing', async () => {
    await addApp();
    const body = fixture('github-push.json');
    const err = await failure(service.receive('github', 'shop', { 'x-github-event': 'push' }, body));
    expect(err.code).toBe('webhook_signature_missing');
    expect(deploys.calls).toEqual([]);
  });

  it('refuses a wrong signature, and a body changed after signing, and queues nothing', async () => {
    await addApp();
    const body = fixture('github-push.json');
    expect((await failure(service.receive('github', 'shop', github('push', body, 'another-secret'), body))).code).toBe('webhook_signature_invalid');
    const changed = Buffer.from(body.toString('utf8').replace(PUSH_AFTER, 'f'.repeat(40)));
    expect((await failure(service.receive('github', 'shop', github('push', body), changed))).code).toBe('webhook_signature_invalid');
    expect(deploys.calls).toEqual([]);
  });

  it('accepts the rotated-out secret until its deadline, not after', async () => {
    const previous = { secret: 'old-secret', validUntil: new Date(NOW.getTime() + 1000).toISOString() };
    await addApp({}, { webhookSecret: 'new-secret', previousWebhookSecret: previous });
    const body = fixture('github-ping.json');
    expect((await service.receive('github', 'shop', github('ping', body, 'old-secret'), body)).answer).toEqual({ result: 'pong' });
    expect((await service.receive('github', 'shop', github('ping', body, 'new-secret'), body)).answer).toEqual({ result: 'pong' });
    const late = { ...previous, validUntil: NOW.toISOString() };
    await apps.create(gitApp('late', REPO), { env: {}, buildEnv: {}, webhookSecret: 'new-secret', previousWebhookSecret: late });
    expect((await failure(service.receive('github', 'late', github('ping', body, 'old-secret'), body))).code).toBe('webhook_signature_invalid');
  });

  it('checks against the secrets version the record names', async () => {
    await addApp();
    const record = (await apps.get('shop'))!;
    const version = await apps.nextSecretsVersion('shop');
    const rotated: AppSecrets = { env: {}, buildEnv: {}, webhookSecret: 'rotated' };
    await apps.update({ ...record, version: 2, config: { ...record.config, secretsVersion: version } }, 1, { version, value: rotated });
    const body = fixture('github-ping.json');
    expect((await service.receive('github', 'shop', github('ping', body, 'rotated'), body)).answer.result).toBe('pong');
    expect((await failure(service.receive('github', 'shop', github('ping', body), body))).code).toBe('webhook_signature_invalid');
  });
});

describe('WebhookService: what a verified delivery does', () => {
  it('answers a ping with pong, queuing nothing', async () => {
    await addApp();
    const body = fixture('github-ping.json');
    expect(await service.receive('github', 'shop', github('ping', body), body)).toEqual({ status: 200, answer: { result: 'pong' } });
    expect(deploys.calls).toEqual([]);
  });

  it("queues the after commit of a push to the app's branch: 202 with the deployment id", async () => {
    await addApp();
    const body = fixture('github-push.json');
    expect(await service.receive('github', 'shop', github('push', body), body)).toEqual({ status: 202, answer: { result: 'queued', deployment_id: 'dep-1' } });
    expect(deploys.calls).toEqual([{ app: 'shop', request: { git_commit: PUSH_AFTER, force: false, trigger: 'webhook:github' } }]);
  });

  it('reads Gitea and GitLab pushes the same way', async () => {
    await addApp();
    await apps.create(gitApp('docs', REPO, { branch: 'release' }), { env: {}, buildEnv: {}, webhookSecret: SECRET });
    // The Gitea fixture's head commit says [skip ci]: signed and read, then skipped.
    const gitea = fixture('gitea-push.json');
    const hex = createHmac('sha256', SECRET).update(gitea).digest('hex');
    expect((await service.receive('gitea', 'shop', { 'x-gitea-event': 'push', 'x-gitea-signature': hex }, gitea)).answer).toMatchObject({ reason: 'skip_ci' });
    const unskipped = Buffer.from(gitea.toString('utf8').replaceAll(' [skip ci]', ''));
    const signed = { 'x-forgejo-event': 'push', 'x-forgejo-signature': createHmac('sha256', SECRET).update(unskipped).digest('hex') };
    expect((await service.receive('gitea', 'shop', signed, unskipped)).answer.result).toBe('queued');
    const gitlab = fixture('gitlab-push.json');
    expect((await service.receive('gitlab', 'docs', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET }, gitlab)).answer.result).toBe('queued');
    expect((await failure(service.receive('gitlab', 'docs', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'guess' }, gitlab))).code).toBe(
      'webhook_signature_invalid',
    );
    expect(deploys.calls.map((c) => [c.app, c.request.git_commit, c.request.trigger])).toEqual([
      ['shop', 'bffeb74224043ba2feb48d137756c8a9331c449a', 'webhook:gitea'],
      ['docs', 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', 'webhook:gitlab'],
    ]);
  });

  it.each([
    ['another branch', { branch: 'production' }, fixture('github-push.json'), 'other_branch'],
    ['a deleted branch', {}, fixture('github-push-branch-deleted.json'), 'deleted_branch'],
    ['[skip ci] in the head commit', {}, githubPush((p) => ((p.head_commit as { message: string }).message = 'Docs only [skip ci]')), 'skip_ci'],
    ['a tag', {}, githubPush((p) => (p.ref = 'refs/tags/v1.2.0')), 'tag'],
  ])('acknowledges %s with 200 and its reason, queuing nothing', async (_name, app, body, reason) => {
    await addApp(app);
    const { status, answer } = await service.receive('github', 'shop', github('push', body), body);
    expect(status).toBe(200);
    expect(answer).toMatchObject({ result: 'ignored', reason });
    expect(answer.message).toEqual(expect.any(String));
    expect(deploys.calls).toEqual([]);
  });

  it('acknowledges events other than pushes', async () => {
    await addApp();
    const body = Buffer.from('{"action":"opened"}');
    expect((await service.receive('github', 'shop', github('pull_request', body), body)).answer).toMatchObject({ result: 'ignored', reason: 'not_a_push' });
  });

  it('says when the commit is already live or being deployed, with that deployment', async () => {
    await addApp();
    const body = fixture('github-push.json');
    deploys.next = { created: false, ignored: 'already_live' };
    expect(await service.receive('github', 'shop', github('push', body), body)).toMatchObject({
      status: 200,
      answer: { result: 'ignored', reason: 'already_live', deployment_id: 'dep-1' },
    });
    deploys.next = { created: false, ignored: 'in_progress' };
    expect((await service.receive('github', 'shop', github('push', body), body)).answer).toMatchObject({ reason: 'in_progress', deployment_id: 'dep-2' });
  });

  it("deploys the payload's default branch for an app that names none", async () => {
    await addApp();
    const record = (await apps.get('shop'))!;
    if (record.source.type === 'git') delete record.source.build.git_branch;
    await apps.update({ ...record, version: 2 }, 1);
    const body = fixture('github-push.json');
    expect((await service.receive('github', 'shop', github('push', body), body)).answer.result).toBe('queued');
  });

  it('refuses a push to an app that deploys an image', async () => {
    await apps.create({ ...gitApp('web', REPO), source: { type: 'image', image: 'nginx:alpine' } }, { env: {}, buildEnv: {}, webhookSecret: SECRET });
    const body = fixture('github-push.json');
    expect((await failure(service.receive('github', 'web', github('push', body), body))).code).toBe('state_conflict');
  });
});

describe('WebhookService: watch paths', () => {
  it('lists the changed files from the repository and deploys when one is watched', async () => {
    await addApp({ watchPaths: ['web/'] }, { credentials: { token: 'app-token' } });
    git.files = ['README.md', 'web/src/app.ts'];
    const body = fixture('github-push.json');
    expect((await service.receive('github', 'shop', github('push', body), body)).answer.result).toBe('queued');
    expect(git.requests).toHaveLength(1);
    expect(git.requests[0]).toMatchObject({
      remote: { url: REPO, host: 'git.example.com', address: '127.0.0.1' },
      branch: 'main',
      before: PUSH_BEFORE,
      after: PUSH_AFTER,
      credentials: { token: 'app-token' },
    });
  });

  it('ignores a push that changes no watched file', async () => {
    await addApp({ watchPaths: ['web/', '!web/**/*.md'] });
    git.files = ['README.md', 'web/NOTES.md'];
    const body = fixture('github-push.json');
    expect((await service.receive('github', 'shop', github('push', body), body)).answer).toMatchObject({ result: 'ignored', reason: 'no_watched_change' });
    expect(git.requests[0]?.credentials).toEqual({ token: 'host-token' });
    expect(deploys.calls).toEqual([]);
  });

  it('deploys a new branch without listing: there is nothing before it to compare', async () => {
    await addApp({ watchPaths: ['web/'] });
    const body = githubPush((p) => (p.before = '0'.repeat(40)));
    expect((await service.receive('github', 'shop', github('push', body), body)).answer.result).toBe('queued');
    expect(git.requests).toEqual([]);
  });

  it('deploys when the changes cannot be listed, rather than missing the push', async () => {
    await addApp({ watchPaths: ['web/'] });
    git.failure = new AppError('fetch_failed', 'git fetch failed: fatal: repository not found');
    const body = fixture('github-push.json');
    expect((await service.receive('github', 'shop', github('push', body), body)).answer.result).toBe('queued');
  });
});
