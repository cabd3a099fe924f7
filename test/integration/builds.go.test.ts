import { join } from 'node:path';
import request from 'supertest';
import { removeLabelled, STAND_IN_IMAGES, startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { freePort, uniqueName, waitForHttp } from './helpers';
import { buildLog, closeBuildApi, closeWorkers, getBuild, imageExists, removeBuildStages, submitBuild, waitForBuild } from './build-helpers';

const FIXTURES = join(__dirname, '..', 'fixtures');
/** A Go compile on 2 shared cores; Podman is the slower engine. */
const BUILD_MS = 240_000;
const ENDED = ['succeeded', 'failed', 'cancelled'];

/**
 * A Go module (go.mod) through the nixpacks buildpack on the Go image the configuration names
 * (here the Debian stand-in with Debian's Go): compiled in the build, run as a binary on $PORT.
 * Build containers reach no Go module proxy here, so the app uses the standard library only.
 */
describe('builds: a Go module from git push to a served container', () => {
  let api: TestApi;
  let git: GitServer;
  const workers: BuildWorker[] = [];

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] }, build: { timeout_seconds: 240 } });
    git = await startGitServer();
    workers.push(await startTestWorker(api.config));
  });
  afterAll(async () => {
    await closeWorkers(workers);
    // The served container first: an image a running container uses cannot be removed.
    if (api) await removeLabelled(api.docker, `berth.instance=${api.runId}`);
    if (api) await removeBuildStages(api);
    await closeBuildApi(api);
    await git?.close();
  });

  async function nixpacksBuild(name: string, files: Record<string, string>) {
    const { url } = git.push(`${api.runId}-${name}`, files, { fromDir: join(FIXTURES, 'go-app') });
    const tag = `berth-it-${api.runId}-${name}:1`;
    const { id } = await submitBuild(api, {
      git_repo: url,
      buildpack_type: 'nixpacks',
      image_tag: tag,
      // The run id marks the build stage for removeBuildStages.
      nixpacks_config: { variables: { APP_MODE: `integration-${api.runId}` } },
    });
    const ended = await waitForBuild(api, id, ENDED, BUILD_MS);
    return { id, tag, ended, lines: (await buildLog(api, id)).lines.map((l) => l.text) };
  }

  it('compiles a standard-library server and runs the binary, which listens on $PORT', async () => {
    const { id, tag, ended, lines } = await nixpacksBuild('stdlib', {});
    expect({ ended, tail: ended.status === 'succeeded' ? [] : lines.slice(-20) }).toMatchObject({ ended: { status: 'succeeded' }, tail: [] });
    const view = (await getBuild(api, id)) as unknown as { plan: Record<string, unknown> };
    // No go.sum: nothing to download, so no step needs the module proxy.
    expect(view.plan).toMatchObject({
      language: 'go',
      image: STAND_IN_IMAGES.go_image,
      phases: { install: [], build: ['go build -o /app/out .'] },
      start: '/app/out',
    });

    const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
    const [hostPort, appPort] = [await freePort(), await freePort()];
    const created = await post('/api/v1/containers', {
      image: tag,
      name: uniqueName(api, 'go'),
      environment: { PORT: String(appPort) },
      ports: { [String(hostPort)]: String(appPort) },
    });
    expect(created.status).toBe(201);
    expect((await post(`/api/v1/containers/${created.body.id}/start`)).status).toBe(200);
    const { body } = await waitForHttp(`http://127.0.0.1:${hostPort}/`, 30_000);
    expect(body).toMatch(new RegExp(`^go fixture says hello\\nmode: integration-${api.runId}\\ngo: go1\\.\\d+`));
  }, 300_000);

  it('fails a module that needs a download the build cannot make, with the message of go in the log', async () => {
    const requires = 'module example.com/berth-go-fixture\n\ngo 1.19\n\nrequire github.com/google/uuid v1.6.0\n';
    const sum = 'github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n';
    const { tag, ended, lines } = await nixpacksBuild('module', { 'go.mod': requires, 'go.sum': sum });
    expect(ended).toMatchObject({ status: 'failed', attempts: 1 });
    expect(lines).toContainEqual(expect.stringContaining('go mod download'));
    expect(lines).toContainEqual(expect.stringMatching(/github\.com\/google\/uuid@v1\.6\.0/));
    expect(await imageExists(api, tag)).toBe(false);
  }, 300_000);
});
