import request from 'supertest';
import type { BuildView } from '../../src/models/build.model';
import type { BuildWorker } from '../../workers/worker.composition';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import { poll } from './helpers';

const TEST_MS = 120_000;
const ENDED = ['succeeded', 'failed', 'cancelled'];

/**
 * Builds that fail for a reason the user can fix get a code of their own and a message that
 * says what to do, on either engine. Nothing can be pulled on a test machine, so a base image
 * name that is not on the engine stands for one that is neither local nor pullable.
 */
describe('builds: failures that say what to do', () => {
  let api: TestApi;
  let git: GitServer;
  let worker: BuildWorker;
  let missingImage: string;

  const get = (path: string) => request(api.url).get(path).set(api.auth());

  async function failedBuild(body: Record<string, unknown>): Promise<BuildView> {
    const submitted = await request(api.url).post('/api/v1/images/build').set(api.auth()).send(body);
    expect(submitted.status).toBe(202);
    const id = String(body.id);
    const ended = await poll(
      `build ${id} to end`,
      async () => {
        const res = await get(`/api/v1/builds/${id}`);
        return ENDED.includes(res.body.status) ? (res.body as BuildView) : undefined;
      },
      TEST_MS - 20_000,
      500,
    );
    expect(ended.status).toBe('failed');
    return ended;
  }

  beforeAll(async () => {
    // A name under the stand-ins' prefix that no image has: the engine tries, and fails, to pull it.
    const prefix = `berth-test/missing-${Date.now().toString(36)}`;
    missingImage = `${prefix}:1`;
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] }, buildpacks: { static_server_image: missingImage } });
    git = await startGitServer();
    worker = await startTestWorker(api.config);
  });

  afterAll(async () => {
    await worker?.close(true);
    await api?.close();
    await git?.close();
  });

  it(
    'a Dockerfile FROM an image the engine cannot have: base_image_missing naming the image and the line',
    async () => {
      const { url } = git.push(`${api.runId}-from-missing`, { Dockerfile: `FROM ${missingImage} AS base\nRUN true\n` });
      const view = await failedBuild({ id: `${api.runId}-from-missing`, git_repo: url, buildpack_type: 'dockerfile', image_tag: `berth-it-${api.runId}-missing:1` });
      expect(view.error?.code).toBe('base_image_missing');
      expect(view.error?.message).toContain(`base image "${missingImage}" of the Dockerfile line "FROM ${missingImage} AS base" is neither on the engine nor pullable`);
      expect(view.error?.message).toContain('pull it on the engine');
      const log = (await get(`/api/v1/builds/${view.id}/logs`)).body.lines as Array<{ text: string }>;
      expect(log.at(-1)?.text).toContain('[berth] build failed: base image');
    },
    TEST_MS,
  );

  it(
    'a generated Dockerfile on a configured image the engine cannot have: names the [buildpacks] key to change',
    async () => {
      const { url } = git.push(`${api.runId}-static-missing`, { 'index.html': '<h1>hi</h1>\n' });
      const view = await failedBuild({ id: `${api.runId}-static-missing`, git_repo: url, buildpack_type: 'static', image_tag: `berth-it-${api.runId}-static:1` });
      expect(view.error?.code).toBe('base_image_missing');
      expect(view.error?.message).toContain(`base image "${missingImage}", set by [buildpacks] static_server_image,`);
      expect(view.error?.message).toContain('point [buildpacks] static_server_image at an image the engine has');
    },
    TEST_MS,
  );

  it(
    "a Dockerfile heredoc, which neither engine's builder reads: unsupported_dockerfile naming the line, before any engine build",
    async () => {
      const { url } = git.push(`${api.runId}-heredoc`, { Dockerfile: 'FROM berth-test/busybox:latest\n# RUN <<NOT this one\nRUN <<EOF\necho hi > /greeting\nEOF\n' });
      const view = await failedBuild({ id: `${api.runId}-heredoc`, git_repo: url, buildpack_type: 'dockerfile', image_tag: `berth-it-${api.runId}-heredoc:1` });
      expect(view.error?.code).toBe('unsupported_dockerfile');
      expect(view.error?.message).toContain('Dockerfile line 3 uses a heredoc ("RUN <<EOF")');
      expect(view.error?.message).toContain('COPY it');
      const log = ((await get(`/api/v1/builds/${view.id}/logs`)).body.lines as Array<{ text: string }>).map((l) => l.text);
      expect(log.some((text) => text.startsWith('[berth] building '))).toBe(false);
    },
    TEST_MS,
  );
});
