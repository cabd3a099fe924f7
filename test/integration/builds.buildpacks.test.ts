import { join } from 'node:path';
import request from 'supertest';
import type { BuildView } from '../../src/models/build.model';
import type { BuildWorker } from '../../workers/worker.composition';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import { removeBuildStages, serveImage } from './build-helpers';
import { httpGet, poll } from './helpers';

const FIXTURES = join(__dirname, '..', 'fixtures');
/** One build plus a container on 2 shared cores; Podman is the slower engine. */
const TEST_MS = 300_000;
const BUILD_MS = 240_000;
const ENDED = ['succeeded', 'failed', 'cancelled'];

/**
 * One build per buildpack, end to end: a fixture repository pushed to a real git HTTP server,
 * submitted through the API, built by an in-process worker on the current engine, then run
 * through the containers API and asked over HTTP on its published port.
 */
describe('builds: every buildpack from git push to a served container', () => {
  let api: TestApi;
  let git: GitServer;
  let worker: BuildWorker;
  const madeTags: string[] = [];

  const get = (path: string) => request(api.url).get(path).set(api.auth());
  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);

  /** A tag no other run uses, removed in afterAll. */
  const imageTag = (what: string): string => {
    const tag = `berth-it-${api.runId}-${what}:1`;
    madeTags.push(tag);
    return tag;
  };

  const pushFixture = (fixture: string, name = fixture) => git.push(`${api.runId}-${name}`, {}, { fromDir: join(FIXTURES, fixture) });

  /** Submits a build (202, queued) and waits for it to succeed; fails with the log's tail otherwise. */
  async function build(body: Record<string, unknown>): Promise<BuildView> {
    const submitted = await post('/api/v1/images/build', body);
    expect(submitted.status).toBe(202);
    expect(submitted.body).toMatchObject({ id: body.id, status: 'queued', git_repo: body.git_repo, attempts: 0 });
    const id = String(body.id);
    const ended = await poll(
      `build ${id} to end`,
      async () => {
        const res = await get(`/api/v1/builds/${id}`);
        return ENDED.includes(res.body.status) ? (res.body as BuildView) : undefined;
      },
      BUILD_MS,
      500,
    );
    if (ended.status !== 'succeeded') {
      const log = (await get(`/api/v1/builds/${id}/logs`)).body.lines as Array<{ text: string }>;
      throw new Error(
        `build ${id} ${ended.status}: ${JSON.stringify(ended.error)}\n${log
          .slice(-40)
          .map((l) => l.text)
          .join('\n')}`,
      );
    }
    return ended;
  }

  /** What every successful build shows: commit, image, ordered phase times, log, image labels. */
  async function expectBuilt(view: BuildView, commit: string, repo: string): Promise<void> {
    expect(view).toMatchObject({ status: 'succeeded', commit, git_repo: repo, attempts: 1 });
    expect(view.error).toBeUndefined();
    expect(view.image_id).toMatch(/^(sha256:)?[0-9a-f]{64}$/);
    const { queued, cloning, building, finished } = view.timestamps;
    const times = [queued, cloning, building, finished].map((t) => Date.parse(String(t)));
    expect(times.every(Number.isFinite)).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(view.duration_seconds).toBeGreaterThan(0);
    expect(view.plan).toEqual(expect.objectContaining({ buildpack: view.buildpack_type }));

    const logs = await get(`/api/v1/builds/${view.id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body).toMatchObject({ build_id: view.id, status: 'succeeded', truncated: false });
    const lines = logs.body.lines as Array<{ seq: number; text: string }>;
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i));
    const texts = lines.map((l) => l.text);
    expect(texts).toEqual(expect.arrayContaining([`[berth] checked out ${commit}`, expect.stringMatching(/^\[plan\] /)]));
    expect(texts.at(-1)).toMatch(/^\[berth\] build succeeded: /);

    for (const image of view.images ?? []) {
      const info = await api.docker.getImage(image.tag).inspect();
      expect(info.Id).toBe(image.id);
      expect(info.Config.Labels).toMatchObject({
        'berth.build-id': view.id,
        'berth.repo': repo,
        'berth.commit': commit,
        'berth.instance': api.runId,
        ...(image.service ? { 'berth.service': image.service } : {}),
      });
    }
  }

  /** Runs `image`, publishing `port`; returns the base URL once `path` answers. */
  const serve = async (image: string, port: number, path = '/'): Promise<string> => (await serveImage(api, image, { port, path })).base;

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] }, build: { timeout_seconds: 240 } });
    git = await startGitServer();
    worker = await startTestWorker(api.config);
  });

  afterAll(async () => {
    await worker?.close(true);
    await api?.close();
    await Promise.all(
      madeTags.map((tag) =>
        api?.docker
          .getImage(tag)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    // The generated Dockerfiles' build stages stay on the engine as untagged images.
    if (api) await removeBuildStages(api);
    await git?.close();
  });

  it(
    'nixpacks: a Node app is installed, built and started; nixpacks variables reach run time',
    async () => {
      const { url, commit } = pushFixture('node-app');
      const tag = imageTag('node');
      const greeting = `hello-${api.runId}`;
      const view = await build({
        id: `${api.runId}-node`,
        git_repo: url,
        git_branch: 'main',
        buildpack_type: 'nixpacks',
        image_tag: tag,
        nixpacks_config: { start_command: 'node server.js', variables: { GREETING: greeting } },
      });
      await expectBuilt(view, commit, url);
      expect(view.image_tag).toBe(tag);
      expect(view.images).toEqual([{ tag, id: view.image_id }]);
      expect(view.plan).toMatchObject({
        buildpack: 'nixpacks',
        language: 'node',
        packageManager: 'npm',
        phases: { install: ['npm install'], build: ['npm run build'] },
        start: 'node server.js',
        sources: { start: 'nixpacks.startCommand' },
        variables: { GREETING: greeting },
      });

      const body = (await httpGet(`${await serve(tag, 3000)}/hello`)).body;
      expect(body).toContain('node fixture says hello');
      expect(body).toMatch(/^build: built by npm run build on node v20\./m);
      expect(body).toContain(`greeting: ${greeting}\n`);
    },
    TEST_MS,
  );

  it(
    'nixpacks: a Python app with an empty requirements.txt starts from its Procfile',
    async () => {
      const { url, commit } = pushFixture('python-app');
      const tag = imageTag('python');
      const view = await build({
        id: `${api.runId}-python`,
        git_repo: url,
        git_branch: 'main',
        buildpack_type: 'nixpacks',
        image_tag: tag,
        // The run id marks the build stage for removeBuildStages.
        nixpacks_config: { variables: { APP_MODE: `integration-${api.runId}` } },
      });
      await expectBuilt(view, commit, url);
      expect(view.plan).toMatchObject({
        language: 'python',
        phases: { install: ['python3 -m venv --copies /opt/venv && . /opt/venv/bin/activate && pip install -r requirements.txt'], build: [] },
        start: 'python app.py',
        sources: { start: 'Procfile' },
      });

      const body = (await httpGet(await serve(tag, 8000))).body;
      expect(body).toBe(`python fixture says hello\nmode: integration-${api.runId}\n`);
    },
    TEST_MS,
  );

  it(
    'static: the build command writes dist/, nginx serves it with the SPA fallback',
    async () => {
      const { url, commit } = pushFixture('static-site');
      const tag = imageTag('static');
      const title = `site-${api.runId}`;
      const view = await build({
        id: `${api.runId}-static`,
        git_repo: url,
        git_branch: 'main',
        buildpack_type: 'static',
        image_tag: tag,
        env: { SITE_TITLE: title },
        static_config: { build_command: 'npm run build' },
      });
      await expectBuilt(view, commit, url);
      expect(view.plan).toMatchObject({ buildpack: 'static', mode: 'build', install: 'npm install', build: 'npm run build', outputDir: 'dist/', spa: true });

      const base = await serve(tag, 80);
      const home = await httpGet(`${base}/`);
      expect(home.status).toBe(200);
      expect(home.body).toContain(`<h1>static fixture built: ${title}</h1>`);
      const route = await httpGet(`${base}/users/42/settings`);
      expect(route).toEqual({ status: 200, body: home.body });
      expect(await httpGet(`${base}/assets/app.js`)).toEqual({ status: 200, body: 'console.log("static fixture asset");\n' });
      expect((await httpGet(`${base}/assets/missing.js`)).status).toBe(404);
      // Only dist/ is shipped: a source file of the repository falls back to the app's page.
      expect((await httpGet(`${base}/src.html`)).body).not.toContain('source page');
    },
    TEST_MS,
  );

  it(
    'dockerfile: build args reach the image and .dockerignore keeps files out of it',
    async () => {
      const { url, commit } = pushFixture('dockerfile-app');
      const tag = imageTag('dockerfile');
      const version = `v-${api.runId}`;
      const view = await build({
        id: `${api.runId}-dockerfile`,
        git_repo: url,
        git_branch: 'main',
        buildpack_type: 'dockerfile',
        image_tag: tag,
        dockerfile_config: { build_args: { VERSION: version } },
      });
      await expectBuilt(view, commit, url);
      expect(view.plan).toEqual({ buildpack: 'dockerfile', dockerfile: 'Dockerfile', target: null, buildArgs: ['VERSION'] });

      const base = await serve(tag, 8080);
      expect((await httpGet(`${base}/`)).body).toBe(`dockerfile fixture version=${version}\n`);
      expect(await httpGet(`${base}/kept.txt`)).toEqual({ status: 200, body: 'kept in the build context\n' });
      expect((await httpGet(`${base}/secret.txt`)).status).toBe(404);
      expect((await httpGet(`${base}/.berth-labelled.Dockerfile`)).status).toBe(404);
    },
    TEST_MS,
  );

  it(
    'docker-compose: every service with a build section becomes <image_tag>-<service>',
    async () => {
      const { url, commit } = pushFixture('compose-app');
      const tag = imageTag('compose');
      madeTags.push(`${tag}-web`, `${tag}-api`);
      const view = await build({ id: `${api.runId}-compose`, git_repo: url, git_branch: 'main', buildpack_type: 'docker-compose', image_tag: tag });
      await expectBuilt(view, commit, url);
      expect(view.images).toEqual([
        { tag: `${tag}-web`, id: expect.any(String), service: 'web' },
        { tag: `${tag}-api`, id: expect.any(String), service: 'api' },
      ]);
      expect(view.image_id).toBe(view.images?.[0]?.id);
      expect(view.plan).toMatchObject({
        buildpack: 'docker-compose',
        composeFile: 'docker-compose.yml',
        services: { web: { tag: `${tag}-web`, context: 'web' }, api: { tag: `${tag}-api`, context: 'api', buildArgs: ['API_NAME'] } },
        notBuilt: [],
      });
      await expect(api.docker.getImage(tag).inspect()).rejects.toMatchObject({ statusCode: 404 });

      expect((await httpGet(await serve(`${tag}-web`, 8080))).body).toBe('compose web service\n');
      expect((await httpGet(await serve(`${tag}-api`, 8081))).body).toBe('compose api service: compose-api\n');
    },
    TEST_MS,
  );

  it(
    'compose with compose_config.service: only that service is built, tagged image_tag',
    async () => {
      const { url, commit } = pushFixture('compose-app', 'compose-one');
      const tag = imageTag('compose-one');
      const view = await build({
        id: `${api.runId}-compose-one`,
        git_repo: url,
        git_branch: 'main',
        buildpack_type: 'compose',
        image_tag: tag,
        compose_config: { service: 'api' },
      });
      await expectBuilt(view, commit, url);
      expect(view.buildpack_type).toBe('docker-compose');
      expect(view.images).toEqual([{ tag, id: view.image_id, service: 'api' }]);
      expect(view.plan).toMatchObject({ services: { api: { tag } }, notBuilt: ['web'] });
      await expect(api.docker.getImage(`${tag}-web`).inspect()).rejects.toMatchObject({ statusCode: 404 });

      expect((await httpGet(await serve(tag, 8081))).body).toBe('compose api service: compose-api\n');
    },
    TEST_MS,
  );

  it(
    'base_directory: a monorepo subfolder is the build context, not the root',
    async () => {
      const { url, commit } = pushFixture('monorepo');
      const tag = imageTag('monorepo');
      const view = await build({
        id: `${api.runId}-monorepo`,
        git_repo: url,
        git_branch: 'main',
        buildpack_type: 'dockerfile',
        image_tag: tag,
        base_directory: 'services/hello/',
      });
      await expectBuilt(view, commit, url);
      expect(view.base_directory).toBe('services/hello');

      expect((await httpGet(await serve(tag, 8080))).body).toBe('monorepo service hello\n');
    },
    TEST_MS,
  );

  it(
    'git_commit: an older commit of the branch is built, not its tip',
    async () => {
      const first = pushFixture('dockerfile-app', 'history');
      const second = git.push(`${api.runId}-history`, { 'kept.txt': 'second commit\n' }, { append: true });
      expect(second.url).toBe(first.url);
      expect(second.commit).not.toBe(first.commit);
      const tag = imageTag('history');
      const view = await build({
        id: `${api.runId}-history`,
        git_repo: first.url,
        git_branch: 'main',
        git_commit: first.commit,
        buildpack_type: 'dockerfile',
        image_tag: tag,
      });
      await expectBuilt(view, first.commit, first.url);
      expect(view.git_commit).toBe(first.commit);

      const base = await serve(tag, 8080);
      expect((await httpGet(`${base}/kept.txt`)).body).toBe('kept in the build context\n');
      expect((await httpGet(`${base}/`)).body).toBe('dockerfile fixture version=unset\n');
    },
    TEST_MS,
  );
});
