import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { FakeDeployRequester, MemoryAppStore, gitApp } from '../../src/webhooks/testing/webhook-fakes';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { expectError } from './helpers';

// The webhook route through HTTP: byte-exact deliveries signed here, apps in a store of the
// test's own, and watch paths read from a real repository on the local git server.

const FIXTURES = join(__dirname, '../fixtures/webhooks');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const SECRET = 'integration-webhook-secret';
const hmac = (body: Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

describe('webhooks', () => {
  let api: TestApi;
  let git: GitServer;
  const apps = new MemoryAppStore();
  const deploys = new FakeDeployRequester();

  beforeAll(async () => {
    git = await startGitServer();
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] } }, { apps, deploys });
    await apps.create(gitApp('shop', `${git.baseUrl}/shop.git`), { env: {}, buildEnv: {}, webhookSecret: SECRET });
  });
  afterAll(async () => {
    await api.close();
    await git.close();
  });
  beforeEach(() => {
    deploys.calls.length = 0;
    deploys.next = { created: true };
  });

  /** Posts the exact bytes (supertest would re-serialise a Buffer sent as JSON), answering in supertest's shape for expectError. */
  async function deliver(provider: string, app: string, headers: Record<string, string>, body: Buffer, type = 'application/json') {
    const res = await fetch(`${api.url}/api/v1/webhooks/${provider}/${app}`, { method: 'POST', headers: { ...headers, 'Content-Type': type }, body });
    const text = await res.text();
    return {
      status: res.status,
      text,
      body: JSON.parse(text),
      headers: { 'content-type': res.headers.get('content-type') ?? '' },
    } as unknown as Response;
  }
  const github = (event: string, body: Buffer, app = 'shop', secret = SECRET) =>
    deliver('github', app, { 'X-GitHub-Event': event, 'X-Hub-Signature-256': `sha256=${hmac(body, secret)}` }, body);

  it('queues the after commit of a correctly signed push, with no API token: 202 and the deployment id', async () => {
    const res = await github('push', fixture('github-push.json'));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ result: 'queued', deployment_id: expect.any(String) });
    expect(deploys.calls).toEqual([{ app: 'shop', request: { git_commit: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', force: false, trigger: 'webhook:github' } }]);
  });

  it('answers 401 to a bad or missing signature and queues nothing', async () => {
    const body = fixture('github-push.json');
    expectError(await github('push', body, 'shop', 'not-the-secret'), 401, 'webhook_signature_invalid');
    expectError(await deliver('github', 'shop', { 'X-GitHub-Event': 'push' }, body), 401, 'webhook_signature_missing');
    // Re-serialised JSON is not the body that was signed.
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    expectError(
      await deliver('github', 'shop', { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${hmac(body)}` }, reformatted),
      401,
      'webhook_signature_invalid',
    );
    expect(deploys.calls).toEqual([]);
  });

  it('answers a ping', async () => {
    const res = await github('ping', fixture('github-ping.json'));
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { result: 'pong' } });
  });

  it('acknowledges another branch, a deleted branch and [skip ci] with their reasons', async () => {
    const gitlab = fixture('gitlab-push.json');
    const other = await deliver('gitlab', 'shop', { 'X-Gitlab-Event': 'Push Hook', 'X-Gitlab-Token': SECRET }, gitlab);
    expect({ status: other.status, result: other.body.result, reason: other.body.reason }).toEqual({ status: 200, result: 'ignored', reason: 'other_branch' });
    const deleted = await github('push', fixture('github-push-branch-deleted.json'));
    expect(deleted.body).toMatchObject({ result: 'ignored', reason: 'deleted_branch' });
    const gitea = fixture('gitea-push.json');
    const skipped = await deliver('gitea', 'shop', { 'X-Gitea-Event': 'push', 'X-Gitea-Signature': hmac(gitea) }, gitea);
    expect(skipped.body).toMatchObject({ result: 'ignored', reason: 'skip_ci' });
    expect(deploys.calls).toEqual([]);
  });

  it('says when the commit is already live, naming that deployment', async () => {
    deploys.next = { created: false, ignored: 'already_live' };
    const res = await github('push', fixture('github-push.json'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ result: 'ignored', reason: 'already_live', deployment_id: expect.any(String) });
  });

  it('answers 404 for an unknown app or provider, saying nothing more', async () => {
    const body = fixture('github-push.json');
    expectError(await github('push', body, 'no-such-app'), 404, 'not_found');
    expectError(await deliver('bitbucket', 'shop', {}, body), 404, 'not_found');
  });

  it('reads the body of any content type as bytes: a form delivery is verified, then refused with a hint', async () => {
    const form = Buffer.from(`payload=${encodeURIComponent(fixture('github-ping.json').toString('utf8'))}`);
    const res = await deliver('github', 'shop', { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${hmac(form)}` }, form, 'application/x-www-form-urlencoded');
    expectError(res, 400, 'invalid_input');
    expect(res.body.error.message).toMatch(/application\/json/);
  });

  it('refuses a body over 4 MiB with 413', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    expectError(await github('push', big), 413, 'payload_too_large');
  });

  it('with watch paths, deploys only a push whose changes, read from the repository, touch them', async () => {
    const name = `${api.runId}-watched`;
    const first = git.push(name, { 'web/app.js': 'one\n', 'README.md': 'one\n' });
    const docsOnly = git.push(name, { 'README.md': 'two\n' }, { append: true });
    const web = git.push(name, { 'web/app.js': 'two\n' }, { append: true });
    await apps.create(gitApp('watched', first.url, { watchPaths: ['web/'] }), { env: {}, buildEnv: {}, webhookSecret: SECRET });
    const push = (before: string, after: string) => {
      const body = JSON.parse(fixture('github-push.json').toString('utf8')) as Record<string, unknown>;
      Object.assign(body, { before, after, head_commit: { id: after, message: 'change' }, commits: [{ id: after, message: 'change' }] });
      return Buffer.from(JSON.stringify(body));
    };
    const ignored = await github('push', push(first.commit, docsOnly.commit), 'watched');
    expect(ignored.body).toMatchObject({ result: 'ignored', reason: 'no_watched_change' });
    expect(deploys.calls).toEqual([]);
    const queued = await github('push', push(docsOnly.commit, web.commit), 'watched');
    expect(queued.status).toBe(202);
    expect(deploys.calls.map((c) => c.request.git_commit)).toEqual([web.commit]);
  });
});
