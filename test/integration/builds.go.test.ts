import { join } from 'node:path';
import { STAND_IN_IMAGES, type TestApi } from '../support/api';
import type { GitServer } from '../support/git-server';
import { freePort } from './helpers';
import { buildLog, getBuild, imageExists, submitBuild, waitForBuild, serveImage } from './build-helpers';
import { useBuildSuite } from './build-suite';

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
  const suite = useBuildSuite({ git: { allowed_hosts: ['127.0.0.1'] }, build: { timeout_seconds: 240 } });
  let api: TestApi;
  let git: GitServer;
  beforeAll(() => {
    ({ api, git } = suite);
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

    const appPort = await freePort();
    const { body } = await serveImage(api, tag, { port: appPort, environment: { PORT: String(appPort) } });
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
