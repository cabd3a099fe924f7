import { join } from 'node:path';
import request from 'supertest';
import type { TestApi } from '../support/api';
import type { GitServer } from '../support/git-server';
import { waitForBuild } from './build-helpers';
import { useBuildSuite } from './build-suite';
import { freePort, httpGet, uniqueName, waitForHttp } from './helpers';

const FIXTURES = join(__dirname, '..', 'fixtures');
const TEST_MS = 300_000;
const BUILD_MS = 240_000;

/**
 * Static images listen on `$PORT` like every other buildpack's images, 80 without it: both the
 * static buildpack and nixpacks' plain static sites, built through the API on the current engine
 * and run through the containers API.
 */
describe('builds: static images listen on $PORT', () => {
  const suite = useBuildSuite({ git: { allowed_hosts: ['127.0.0.1'] }, build: { timeout_seconds: 240 } });
  let api: TestApi;
  let git: GitServer;
  beforeAll(() => {
    ({ api, git } = suite);
  });

  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);

  async function buildSite(what: string, body: Record<string, unknown>): Promise<string> {
    const { url } = git.push(`${api.runId}-${what}`, {}, { fromDir: join(FIXTURES, 'static-plain') });
    const tag = `berth-it-${api.runId}-${what}:1`;
    const id = `${api.runId}-${what}`;
    const submitted = await post('/api/v1/images/build', { id, git_repo: url, git_branch: 'main', image_tag: tag, ...body });
    expect(submitted.status).toBe(202);
    const ended = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled'], BUILD_MS);
    expect({ status: ended.status, error: ended.error }).toEqual({ status: 'succeeded', error: undefined });
    return tag;
  }

  /** Runs `image` with `environment`, publishing each container port on a free host port; returns their base URLs. */
  async function run(image: string, environment: Record<string, string>, containerPorts: number[]): Promise<string[]> {
    const hostPorts = await Promise.all(containerPorts.map(() => freePort()));
    const ports = Object.fromEntries(hostPorts.map((host, i) => [String(host), String(containerPorts[i])]));
    const created = await post('/api/v1/containers', { image, name: uniqueName(api, 'static-port'), ports, environment });
    expect(created.status).toBe(201);
    const started = await post(`/api/v1/containers/${created.body.id}/start`);
    expect(started.body).toEqual({ id: created.body.id, state: 'running' });
    return hostPorts.map((port) => `http://127.0.0.1:${port}`);
  }

  /** Serves on PORT=8081 (and not on 80), then on 80 without PORT; the site and its 404s stay as built. */
  async function expectListensOnPort(tag: string, unknownPath: { status: number }): Promise<void> {
    const [onPort, on80] = await run(tag, { PORT: '8081' }, [8081, 80]);
    const home = await waitForHttp(`${onPort}/`, 30_000);
    expect(home.body).toContain('<h1>plain static fixture</h1>');
    expect((await httpGet(`${onPort}/some/route`)).status).toBe(unknownPath.status);
    await expect(httpGet(`${on80}/`)).rejects.toThrow();

    const [byDefault] = await run(tag, {}, [80]);
    expect((await waitForHttp(`${byDefault}/`, 30_000)).body).toBe(home.body);
  }

  it(
    'static buildpack: serves the repository on $PORT with the SPA fallback, on 80 without it',
    async () => {
      const tag = await buildSite('static-port', { buildpack_type: 'static' });
      await expectListensOnPort(tag, { status: 200 });
    },
    TEST_MS,
  );

  it(
    'nixpacks static site: serves on $PORT, on 80 without it',
    async () => {
      const tag = await buildSite('staticfile-port', { buildpack_type: 'nixpacks' });
      await expectListensOnPort(tag, { status: 404 });
    },
    TEST_MS,
  );
});
