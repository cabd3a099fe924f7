import { join } from 'node:path';
import type { TestApi } from '../support/api';
import type { GitServer } from '../support/git-server';
import { buildLog, getBuild, submitBuild, waitForBuild, serveImage } from './build-helpers';
import { useBuildSuite } from './build-suite';
import { httpGet, waitForHttp } from './helpers';

const FIXTURES = join(__dirname, '..', 'fixtures');
/** npm installs from the registry on 2 shared cores; Podman is the slower engine. */
const TEST_MS = 480_000;
const BUILD_MS = 360_000;

/**
 * Front-end apps and monorepos built with the nixpacks buildpack through the API on the current
 * engine, from the npm registry, then run through the containers API and checked over HTTP.
 * Vite's bundler (rollup) and turbo load native binaries built for glibc: the test config's
 * Debian node stand-in (STAND_IN_IMAGES) loads them, as an official node image would.
 */
describe('builds: front-end apps and monorepos (nixpacks)', () => {
  const suite = useBuildSuite({ git: { allowed_hosts: ['127.0.0.1'] }, build: { timeout_seconds: 360 } });
  let api: TestApi;
  let git: GitServer;
  beforeAll(() => {
    ({ api, git } = suite);
  });

  /** Builds a fixture with nixpacks; the run id in a variable marks the build stage for removal. */
  async function build(fixture: string, what: string, variables: Record<string, string> = {}) {
    const { url } = git.push(`${api.runId}-${fixture}`, {}, { fromDir: join(FIXTURES, fixture) });
    const tag = `berth-it-${api.runId}-${what}:1`;
    const id = `${api.runId}-${what}`;
    const nixpacks_config = { variables: { FRONTEND_RUN: api.runId, ...variables } };
    await submitBuild(api, { id, git_repo: url, git_branch: 'main', buildpack_type: 'nixpacks', image_tag: tag, nixpacks_config });
    const ended = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled'], BUILD_MS);
    const lines = (await buildLog(api, id)).lines.map((l) => l.text);
    return { tag, ended, lines, plan: ((await getBuild(api, id)) as unknown as { plan: Record<string, unknown> }).plan };
  }

  /** Runs `image` with PORT=8081 published on a free host port; answers its base URL. */
  const serve = async (image: string): Promise<string> => (await serveImage(api, image, { port: 8081, environment: { PORT: '8081' } })).base;

  it(
    'builds a Vite app and serves the folder its build script names, index.html for client-side routes',
    async () => {
      const { tag, ended, lines, plan } = await build('vite-spa', 'vite');
      expect({ status: ended.status, tail: ended.status === 'succeeded' ? [] : lines.slice(-30) }).toEqual({ status: 'succeeded', tail: [] });
      expect(lines).toContain('[plan] front-end: vite app, serves build/ (build script --outDir) with the static server, spa fallback on');
      expect(plan).toMatchObject({ start: null, site: { framework: 'vite', outputDir: 'build/' } });
      // No dev server and no `npm start`: nginx answers from the built files.
      const base = await serve(tag);
      const home = await waitForHttp(`${base}/`, 30_000);
      expect(home.body).toContain('berth-vite-spa');
      const script = /<script type="module"[^>]* src="(\/assets\/[^"]+\.js)"/.exec(home.body)?.[1];
      expect(script).toBeDefined();
      const bundle = await httpGet(`${base}${script ?? ''}`);
      expect(bundle).toMatchObject({ status: 200, body: expect.stringContaining('berth-vite-spa at') });
      expect(await httpGet(`${base}/orders/42`)).toEqual({ status: 200, body: home.body });
      expect((await httpGet(`${base}/assets/missing.js`)).status).toBe(404);
    },
    TEST_MS,
  );

  it(
    'builds a turborepo with turbo and runs the app NIXPACKS_TURBO_APP_NAME names, refusing at plan time without it',
    async () => {
      const docs = await build('turborepo', 'turbo-docs', { NIXPACKS_TURBO_APP_NAME: 'docs' });
      expect({ status: docs.ended.status, tail: docs.ended.status === 'succeeded' ? [] : docs.lines.slice(-30) }).toEqual({ status: 'succeeded', tail: [] });
      expect(docs.lines).toContain('[plan] monorepo: turborepo, app docs (apps/docs/), installed at the root');
      expect(docs.plan).toMatchObject({ start: 'npm --prefix apps/docs start', monorepo: { tool: 'turborepo', app: 'docs' } });
      expect((await waitForHttp(`${await serve(docs.tag)}/`, 30_000)).body).toBe('docs built by turbo');

      const web = await build('turborepo', 'turbo-web', { NIXPACKS_TURBO_APP_NAME: 'web' });
      expect(web.ended.status).toBe('succeeded');
      expect((await waitForHttp(`${await serve(web.tag)}/`, 30_000)).body).toBe('web built by turbo');

      const unchosen = await build('turborepo', 'turbo-unchosen');
      expect(unchosen.ended).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: {
          code: 'invalid_repository',
          message: expect.stringMatching(/would start 2 apps in one container: set NIXPACKS_TURBO_APP_NAME to the app to run \(docs, web\)/),
        },
      });
    },
    TEST_MS,
  );
});
