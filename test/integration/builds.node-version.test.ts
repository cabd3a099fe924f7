import { STAND_IN_IMAGES, type TestApi } from '../support/api';
import type { GitServer } from '../support/git-server';
import { buildLog, getBuild, imageExists, submitBuild, waitForBuild, serveImage } from './build-helpers';
import { useBuildSuite } from './build-suite';

/** A Node app that asks for a version; the test config has one image, STAND_IN_IMAGES.node_image (Node 20). */
const nodeApp = (files: Record<string, string>, engines?: string): Record<string, string> => ({
  'package.json': JSON.stringify({ name: 'node-version-app', scripts: { start: 'node server.js' }, ...(engines ? { engines: { node: engines } } : {}) }),
  'server.js': 'require("http").createServer((req, res) => res.end(process.version)).listen(process.env.PORT || 3000);\n',
  ...files,
});

describe('builds: the Node version a repository asks for picks the base image', () => {
  const suite = useBuildSuite({ git: { allowed_hosts: ['127.0.0.1'] } });
  let api: TestApi;
  let git: GitServer;
  beforeAll(() => {
    ({ api, git } = suite);
  });

  async function nixpacksBuild(name: string, files: Record<string, string>) {
    const { url } = git.push(`${api.runId}-${name}`, files);
    const tag = `berth-it-${api.runId}-${name}:1`;
    const { id } = await submitBuild(api, { git_repo: url, buildpack_type: 'nixpacks', image_tag: tag });
    const ended = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled']);
    return { id, tag, ended, lines: (await buildLog(api, id)).lines.map((l) => l.text) };
  }

  const served = async (image: string): Promise<string> => (await serveImage(api, image, { port: 3000 })).body;

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
