import request from 'supertest';
import { type TestApi } from '../support/api';
import type { GitServer } from '../support/git-server';
import { buildLog, submitBuild, waitForBuild } from './build-helpers';
import { useBuildSuite } from './build-suite';

const ENDED = ['succeeded', 'failed', 'cancelled'];

/**
 * A nixpacks plan checks what its start command relies on: a build whose image could not start
 * fails at plan time with the fix, and what only the build can settle is a warning in the
 * stored plan and the log.
 */
describe('builds: the nixpacks start check', () => {
  const suite = useBuildSuite({ git: { allowed_hosts: ['127.0.0.1'] } });
  let api: TestApi;
  let git: GitServer;
  beforeAll(() => {
    ({ api, git } = suite);
  });

  it('fails a build whose package.json main is not in the repository, naming the file and the fix', async () => {
    const { url } = git.push(`${api.runId}-missing-main`, { 'package.json': JSON.stringify({ name: 'x', main: 'server.js' }) });
    const tag = `berth-it-${api.runId}-missing-main:1`;
    const { id } = await submitBuild(api, { git_repo: url, buildpack_type: 'nixpacks', image_tag: tag });
    const ended = await waitForBuild(api, id, ENDED);
    expect(ended).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'invalid_repository' } });
    expect(ended.error?.message).toContain('runs server.js, which is not in the repository: set nixpacks_config.start_command, or add server.js');
    expect((await buildLog(api, id)).lines.map((l) => l.text)).toContain(`[berth] build failed: ${ended.error?.message}`);
  });

  it('builds an app whose build creates its main, with the warning in the stored plan and the log', async () => {
    const files = {
      'package.json': JSON.stringify({ name: 'x', main: 'dist/server.js', scripts: { build: 'node build.js' } }),
      'build.js': `require('fs').mkdirSync('dist');require('fs').writeFileSync('dist/server.js', 'console.log(1)');`,
    };
    const { url } = git.push(`${api.runId}-built-main`, files);
    const tag = `berth-it-${api.runId}-built-main:1`;
    const { id } = await submitBuild(api, {
      git_repo: url,
      buildpack_type: 'nixpacks',
      image_tag: tag,
      // The run id marks the build stage for removeBuildStages.
      nixpacks_config: { variables: { MARK: `${api.runId}-start` } },
    });
    const ended = await waitForBuild(api, id, ENDED, 240_000);
    expect(ended).toMatchObject({ status: 'succeeded' });
    const warning = 'the start command "node dist/server.js" runs dist/server.js, which is not in the repository: the build must create it, or the app will not start';
    const view = await request(api.url).get(`/api/v1/builds/${id}`).set(api.auth());
    expect(view.body.plan).toMatchObject({ start: 'node dist/server.js', warnings: [warning] });
    expect((await buildLog(api, id)).lines.map((l) => l.text)).toContain(`[plan] WARNING ${warning}`);
  }, 300_000);
});
