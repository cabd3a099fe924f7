import request from 'supertest';
import { removeLabelled, STAND_IN_IMAGES, startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { freePort, uniqueName, waitForHttp } from './helpers';
import { buildLog, closeBuildApi, closeWorkers, getBuild, imageExists, removeBuildStages, submitBuild, waitForBuild } from './build-helpers';

/** A Node app that asks for a version; the test config has one image, STAND_IN_IMAGES.node_image (Node 20). */
const nodeApp = (files: Record<string, string>, engines?: string): Record<string, string> => ({
  'package.json': JSON.stringify({ name: 'node-version-app', scripts: { start: 'node server.js' }, ...(engines ? { engines: { node: engines } } : {}) }),
  'server.js': 'require("http").createServer((req, res) => res.end(process.version)).listen(process.env.PORT || 3000);\n',
  ...files,
});

describe('builds: the Node version a repository asks for picks the base image', () => {
  let api: TestApi;
  let git: GitServer;
  const workers: BuildWorker[] = [];

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] } });
    git = await startGitServer();
    workers.push(await startTestWorker(api.config));
  });
  afterAll(async () => {
    await closeWorkers(workers);
    // The served container first: an image a running container uses cannot be removed.
    await removeLabelled(api.docker, `berth.instance=${api.runId}`);
    await removeBuildStages(api);
    await closeBuildApi(api);
    await git.close();
  });

  async function nixpacksBuild(name: string, files: Record<string, string>) {
    const { url } = git.push(`${api.runId}-${name}`, files);
    const tag = `berth-it-${api.runId}-${name}:1`;
    const { id } = await submitBuild(api, { git_repo: url, buildpack_type: 'nixpacks', image_tag: tag });
    const ended = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled']);
    return { id, tag, ended, lines: (await buildLog(api, id)).lines.map((l) => l.text) };
  }

  /** Runs `image` through the containers API (removed when the API closes); answers its body. */
  async function served(image: string): Promise<string> {
    const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
    const hostPort = await freePort();
    const created = await post('/api/v1/containers', { image, name: uniqueName(api, 'node-version'), ports: { [String(hostPort)]: '3000' } });
    expect(created.status).toBe(201);
    expect((await post(`/api/v1/containers/${created.body.id}/start`)).status).toBe(200);
    return (await waitForHttp(`http://127.0.0.1:${hostPort}/`, 30_000)).body;
  }

  it('builds a range the configured major satisfies, and states it in the plan and the log', async () => {
    const { id, tag, ended, lines } = await nixpacksBuild('range', nodeApp({}, '>=18 <21'));
    expect(ended).toMatchObject({ status: 'succeeded' });
    const view = (await getBuild(api, id)) as unknown as { plan: Record<string, unknown> };
    const image = STAND_IN_IMAGES.node_image;
    expect(view.plan).toMatchObject({ image, node: { major: 20, asked: { value: '>=18 <21', source: 'package.json engines.node' } } });
    expect(lines).toContain(`[plan] node: 20 on ${image} (node_image), asked ">=18 <21" in package.json engines.node`);
    // The image runs the Node it was planned for.
    expect(await served(tag)).toMatch(/^v20\./);
  }, 120_000);

  it('builds the major an .nvmrc LTS alias names, and the image runs it', async () => {
    const { id, tag, ended } = await nixpacksBuild('nvmrc-iron', nodeApp({ '.nvmrc': 'lts/iron\n' }));
    expect(ended).toMatchObject({ status: 'succeeded' });
    const view = (await getBuild(api, id)) as unknown as { plan: Record<string, unknown> };
    expect(view.plan).toMatchObject({ image: STAND_IN_IMAGES.node_image, node: { major: 20, asked: { value: '20', source: '.nvmrc' } } });
    expect(await served(tag)).toMatch(/^v20\./);
  }, 120_000);

  it('refuses at plan time an .nvmrc major no image provides, naming the [buildpacks] key', async () => {
    const { ended, tag } = await nixpacksBuild('nvmrc', nodeApp({ '.nvmrc': 'lts/*\n' }));
    expect(ended).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'invalid_repository', message: expect.stringMatching(/asks for Node "22" \(\.nvmrc\).*configured: Node 20.*\[buildpacks\] node_images = \{ "22"/) },
    });
    expect(await imageExists(api, tag)).toBe(false);
  }, 120_000);
});
