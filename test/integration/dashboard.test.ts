import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { openView, requireBuiltDashboard, startBrowser, type TestBrowser } from '../support/browser';
import { startDeployEnv, type DeployEnv } from '../support/deploy-env';
import { startRegistry, type TestRegistry } from '../support/registry';
import { nodeAppFiles } from '../support/node-app';
import { removeBuildStages, removeBuiltImages } from './build-helpers';
import { poll, suiteLabels } from './helpers';

/** Prints a line at start and per request, so that the app's log has something to follow. */
const LOGGING_SERVER = `
const http = require('http');
const version = require('fs').readFileSync('/app/version.txt', 'utf8').trim();
console.log('listening ' + version);
const server = http.createServer((req, res) => { console.log('request ' + req.url); res.end(version); });
server.listen(Number(process.env.PORT || 3000));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** Where the screenshots go: `DASHBOARD_SCREENSHOTS=docs/screenshots` refreshes the committed ones. */
const SHOTS = process.env.DASHBOARD_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'berth-shots-'));

/**
 * The dashboard in a real browser (Debian's Chromium) against the real API, a deploy worker and
 * the API's HAProxy: sign in, deploy and roll back an app, drive a container tile, read a failed
 * build's error; the token never leaves the Authorization header.
 */
describe('dashboard in a browser', () => {
  let env: DeployEnv;
  let registry: TestRegistry;
  let b: TestBrowser;
  let page: Page;
  const name = (what: string) => `${env.api.runId}-${what}`;
  const api = () => request(env.api.url);
  const shot = (file: string) => page.screenshot({ path: join(SHOTS, file), fullPage: true });
  const view = (title: string) => openView(page, title);

  beforeAll(async () => {
    requireBuiltDashboard();
    mkdirSync(SHOTS, { recursive: true });
    registry = await startRegistry();
    // Podman must be told the test registry speaks plain HTTP (Docker trusts 127.0.0.0/8 by itself).
    env = await startDeployEnv({ registries: { [registry.host]: { insecure: true } } });
    b = await startBrowser();
    page = b.page;
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    await b?.close();
    await env?.close();
    // Then the images its builds and deployments made (none is used by a container any more).
    if (env) await removeBuiltImages(env.api);
    if (env) await removeBuildStages(env.api);
    await registry?.stop();
  });

  afterEach(() => {
    if (b?.pageErrors.length) process.stderr.write(`page errors:\n${b.pageErrors.join('\n')}\n`);
    b.pageErrors.length = 0;
  });

  it('refuses a wrong token in the API words, then signs in with the right one', async () => {
    await page.goto(`${env.api.url}/`);
    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refused = await api().get('/api/v1/runtime/info').set('Authorization', 'Bearer not-the-token');
    expect(refused.status).toBe(401);
    await page
      .getByRole('alert')
      .filter({ hasText: (refused.body as { error: { message: string } }).error.message })
      .waitFor();
    await shot('login.png');

    await page.getByLabel('API token').fill(env.api.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
    expect(await page.evaluate("[sessionStorage.getItem('berth.token'), localStorage.length, document.cookie]")).toEqual([env.api.token, 0, '']);
  });

  it('creates a git app, deploys it, sees it running, follows its logs and rolls back', async () => {
    page.setDefaultTimeout(180_000);
    const app = name('web');
    const host = `${app}.test`;
    const { url } = env.git.push(app, nodeAppFiles(LOGGING_SERVER, 'v1'));
    const form = page.getByRole('form', { name: 'New app' });
    await form.getByLabel('Name').fill(app);
    await form.getByLabel('Git repository').check();
    await form.getByRole('textbox', { name: 'Git repository' }).fill(url);
    await form.getByLabel('Buildpack').selectOption('dockerfile');
    await form.getByLabel('Domains').fill(host);
    await form.getByRole('button', { name: 'Create app' }).click();
    const detail = page.getByRole('region', { name: `App ${app}` });
    await detail.waitFor();

    await page.getByRole('button', { name: 'Hide secret' }).click();
    await detail.getByRole('button', { name: 'Deploy', exact: true }).click();
    // The deployment's log streams in while it runs: the build's output, then the health gate.
    await detail.locator('pre[aria-label^="Log of deployment"]').filter({ hasText: '[build]' }).waitFor();
    await page.locator(`article[aria-label="App ${app}"][data-status="running"]`).waitFor();
    expect(await env.get(host)).toEqual({ status: 200, body: 'v1' });

    await detail.getByRole('button', { name: 'Deployment deploy succeeded release 1' }).waitFor();
    await detail.getByRole('button', { name: 'Follow app logs' }).click();
    await detail.locator(`pre[aria-label="Logs of app ${app}"]`).filter({ hasText: 'listening v1' }).waitFor();
    await env.get(host, '/seen-live');
    await detail.locator(`pre[aria-label="Logs of app ${app}"]`).filter({ hasText: 'request /seen-live' }).waitFor();
    await shot('apps.png');

    env.git.push(app, nodeAppFiles(LOGGING_SERVER, 'v2'), { append: true });
    await detail.getByRole('button', { name: 'Deploy', exact: true }).click();
    await detail.getByText('live release 2').waitFor();
    await poll('v2 served', async () => ((await env.get(host)).body === 'v2' ? true : undefined), 60_000);

    await detail.getByRole('button', { name: 'Roll back' }).click();
    await detail.getByRole('button', { name: /^Deployment rollback succeeded release 3$/ }).waitFor();
    await detail.getByText('live release 3').waitFor();
    expect(await env.get(host)).toEqual({ status: 200, body: 'v1' });

    // Env names only: a value set here is never shown back.
    await detail.getByRole('textbox', { name: 'Variable name' }).fill('GREETING');
    await detail.getByLabel('Value (write-only)').fill('very-secret-value');
    await detail.getByRole('button', { name: 'Set variable' }).click();
    await detail.getByRole('list', { name: 'Environment variable names' }).getByText('GREETING').waitFor();
    expect(await page.content()).not.toContain('very-secret-value');
  });

  it('starts, stops, follows and deletes a container tile', async () => {
    page.setDefaultTimeout(60_000);
    const container = name('tile');
    const created = await api()
      .post('/api/v1/containers')
      .set(env.api.auth())
      .send({ image: 'berth-test/busybox:latest', name: container, command: ['sh', '-c', 'echo hello-from-tile; sleep 600'], init: true, labels: suiteLabels(env.api) });
    expect(created.status).toBe(201);
    await view('Containers');
    const tile = page.getByRole('article', { name: `Container ${container}` });
    await tile.getByRole('button', { name: `Start ${container}`, exact: true }).click();
    await page.locator(`article[aria-label="Container ${container}"][data-state="running"]`).waitFor();
    await tile.getByRole('button', { name: `Logs of ${container}`, exact: true }).click();
    await page.locator(`pre[aria-label="Logs of ${container}"]`).filter({ hasText: 'hello-from-tile' }).waitFor();
    await shot('containers.png');

    await tile.getByRole('button', { name: `Stop ${container}`, exact: true }).click();
    await page.locator(`article[aria-label="Container ${container}"][data-state="exited"]`).waitFor();
    const inspected = await api().get(`/api/v1/containers/${container}`).set(env.api.auth());
    expect(inspected.body.state.status).toBe('exited');

    await tile.getByRole('button', { name: `Delete ${container}`, exact: true }).click();
    await tile.getByRole('button', { name: 'Yes, delete' }).click();
    await tile.waitFor({ state: 'detached' });
    expect((await api().get(`/api/v1/containers/${container}`).set(env.api.auth())).status).toBe(404);
  });

  it("shows a failed build's error as the API words it, and its log", async () => {
    page.setDefaultTimeout(120_000);
    const repo = name('broken');
    const { url } = env.git.push(repo, { Dockerfile: 'FROM berth-test/busybox:latest\nRUN echo about-to-fail && exit 3\n' });
    const submitted = await api()
      .post('/api/v1/images/build')
      .set(env.api.auth())
      .send({ git_repo: url, buildpack_type: 'dockerfile', image_tag: `${repo}:latest` });
    expect(submitted.status).toBe(202);
    const id = (submitted.body as { id: string }).id;
    const failed = await poll(
      'the build to fail',
      async () => {
        const res = await api().get(`/api/v1/builds/${id}`).set(env.api.auth());
        return ['failed', 'succeeded', 'cancelled'].includes(res.body.status) ? res.body : undefined;
      },
      120_000,
      500,
    );
    expect(failed.status).toBe('failed');

    await view('Builds');
    await page.getByLabel('Filter by status').selectOption('failed');
    await page.getByRole('button', { name: `Build ${id} failed` }).click();
    await page.getByRole('alert', { name: 'Build error' }).filter({ hasText: failed.error.message }).waitFor();
    await page.locator(`pre[aria-label="Log of build ${id}"]`).filter({ hasText: 'about-to-fail' }).waitFor();
    await page.getByText('Ended: failed').waitFor();
    await shot('builds.png');
  });

  it('follows a running build live and cancels it', async () => {
    page.setDefaultTimeout(120_000);
    const repo = name('slow');
    const { url } = env.git.push(repo, { Dockerfile: 'FROM berth-test/busybox:latest\nRUN echo slow-build-started && sleep 300\n' });
    const submitted = await api()
      .post('/api/v1/images/build')
      .set(env.api.auth())
      .send({ git_repo: url, buildpack_type: 'dockerfile', image_tag: `${repo}:latest` });
    expect(submitted.status).toBe(202);
    const id = (submitted.body as { id: string }).id;
    await view('Builds');
    await page.getByLabel('Filter by status').selectOption('');
    await page.getByLabel('Filter by id, tag or repository').fill(repo);
    await page.getByRole('button', { name: new RegExp(`^Build ${id} `) }).click();
    await page.locator(`pre[aria-label="Log of build ${id}"]`).filter({ hasText: 'slow-build-started' }).waitFor();
    await page.getByRole('button', { name: 'Cancel build' }).click();
    await page.getByText('Ended: cancelled').waitFor();
    await page.getByRole('button', { name: 'Cancel build' }).waitFor({ state: 'detached' });
    expect((await api().get(`/api/v1/builds/${id}`).set(env.api.auth())).body.status).toBe('cancelled');
  });

  it('pulls an image with its progress, inspects it and deletes it', async () => {
    page.setDefaultTimeout(120_000);
    // An image no container uses, built for this test.
    const source = `${name('pushme')}:1`;
    const { url } = env.git.push(name('pushme'), { Dockerfile: 'FROM berth-test/busybox:latest\nRUN echo pushed > /marker\n' });
    const build = await api().post('/api/v1/images/build').set(env.api.auth()).send({ git_repo: url, buildpack_type: 'dockerfile', image_tag: source });
    expect(build.status).toBe(202);
    await poll(
      'the build',
      async () => {
        const res = await api().get(`/api/v1/builds/${build.body.id}`).set(env.api.auth());
        return ['queued', 'cloning', 'building'].includes(res.body.status) ? undefined : res.body.status;
      },
      120_000,
      500,
    ).then((status) => expect(status).toBe('succeeded'));
    // An image in the registry of the test, and not on the engine: the pull has something to do.
    const target = `${registry.host}/berth-ui/${name('pulled')}:1`;
    const pushed = await api()
      .post(`/api/v1/images/${encodeURIComponent(source)}/push`)
      .set(env.api.auth())
      .send({ target });
    expect(pushed.status).toBe(202);
    await poll('the push', async () => {
      const op = await api().get(`/api/v1/images/operations/${pushed.body.id}`).set(env.api.auth());
      return op.body.status === 'running' ? undefined : op.body.status;
    }).then((status) => expect(status).toBe('succeeded'));
    expect(
      (
        await api()
          .delete(`/api/v1/images/${encodeURIComponent(target)}`)
          .set(env.api.auth())
      ).status,
    ).toBe(204);

    await view('Images');
    await page.getByLabel('Image to pull').fill(target);
    await page.getByRole('button', { name: 'Pull', exact: true }).click();
    const progress = page.locator(`pre[aria-label="Progress of pulling ${target}"]`);
    await progress.filter({ hasText: 'done: ' }).waitFor();
    await page.getByText('Ended: succeeded').waitFor();
    await page.getByRole('button', { name: `Inspect ${target}` }).click();
    await page
      .getByLabel('Image details')
      .filter({ hasText: `${registry.host}/berth-ui/${name('pulled')}@sha256:` })
      .waitFor();
    await shot('images.png');
    await page.getByRole('button', { name: `Delete ${target}`, exact: true }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('button', { name: `Inspect ${target}` }).waitFor({ state: 'detached' });
    expect(
      (
        await api()
          .get(`/api/v1/images/${encodeURIComponent(target)}`)
          .set(env.api.auth())
      ).status,
    ).toBe(404);
  });

  it('shows images, nodes (only local when no other is configured) and runtime health', async () => {
    await view('Images');
    await page.getByRole('table', { name: 'Images' }).waitFor();
    await view('Nodes');
    await page.locator('article[aria-label="Node local"][data-reachable="true"]').waitFor();
    expect(await page.getByRole('article', { name: /^Node / }).count()).toBe(1);
    expect(await page.getByLabel('Node', { exact: true }).locator('option').allTextContents()).toEqual(['local']);
    // A view's own path, reloaded: the API answers it with the page, and the tab's session keeps the sign-in.
    await page.goto(`${env.api.url}/runtime`);
    await page.getByRole('heading', { level: 1, name: 'Runtime' }).waitFor();
    await page.getByLabel('Health status').filter({ hasText: 'Engine up' }).waitFor();
    await page.getByRole('definition').filter({ hasText: env.api.engine }).first().waitFor();
    await shot('runtime.png');
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const title of ['Apps', 'Containers', 'Builds', 'Images', 'Nodes', 'Runtime']) {
      await view(title);
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect({ title, overflow }).toEqual({ title, overflow: 0 });
    }
    await view('Apps');
    await page.getByRole('article', { name: /^App .*-web$/ }).waitFor();
    await shot('apps-phone.png');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('never puts the token in a URL, and sends it on every API call and stream', async () => {
    expect(b.requests.length).toBeGreaterThan(20);
    expect(b.requests.filter((r) => r.url.includes(env.api.token)).map((r) => r.url)).toEqual([]);
    const apiCalls = b.requests.filter((r) => new URL(r.url).pathname.startsWith('/api/v1/') && r.url !== `${env.api.url}/api/v1/healthy`);
    const streams = apiCalls.filter((r) => r.url.includes('follow=true'));
    expect(streams.length).toBeGreaterThanOrEqual(4);
    const withoutToken = apiCalls.filter((r) => r.headers.authorization !== `Bearer ${env.api.token}` && r.headers.authorization !== 'Bearer not-the-token');
    expect(withoutToken.map((r) => r.url)).toEqual([]);
    // Only the page's own origin: no CDN, no external font.
    expect(b.requests.filter((r) => !r.url.startsWith(env.api.url)).map((r) => r.url)).toEqual([]);
  });
});
