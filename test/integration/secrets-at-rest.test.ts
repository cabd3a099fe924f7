import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { closeBuildApi, closeWorkers, dockerfileBuild, nonce, redisDump, submitBuild, waitForBuild } from './build-helpers';

describe('build credentials at rest', () => {
  let api: TestApi;
  let git: GitServer;
  const workers: BuildWorker[] = [];
  const otherDirs: string[] = [];

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] } });
    git = await startGitServer();
  });
  afterEach(async () => {
    await closeWorkers(workers);
  });
  afterAll(async () => {
    await closeWorkers(workers);
    await closeBuildApi(api);
    await git.close();
    for (const dir of otherDirs) rmSync(dir, { recursive: true, force: true });
  });

  const queueWithToken = async (what: string): Promise<{ id: string; token: string }> => {
    const { url } = git.push(`${api.runId}-${what}`, { Dockerfile: 'FROM berth-test/busybox:latest\nRUN echo sealed\n' });
    const token = `tok-${nonce()}`;
    const build = await submitBuild(api, dockerfileBuild(url, `${api.runId}-${what}:1`, { git_credentials: { username: 'deploy', token } }));
    return { id: build.id, token };
  };

  it('keeps the token out of Redis (sealed with a key in data_dir, mode 0600) and a worker sharing data_dir opens it', async () => {
    const { id, token } = await queueWithToken('sealed');
    const stored = (await redisDump(api.config.redis.prefix)).get(`${api.config.redis.prefix}:build:${id}:secret`);
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain('deploy');
    expect(statSync(join(api.config.server.data_dir, 'secret-key')).mode & 0o777).toBe(0o600);

    workers.push(await startTestWorker(api.config));
    expect((await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled'])).status).toBe('succeeded');
  });

  it('fails the build clearly when the worker has another key (another data_dir)', async () => {
    const { id, token } = await queueWithToken('other-key');
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-other-data-'));
    otherDirs.push(dataDir);
    workers.push(await startTestWorker({ ...api.config, server: { ...api.config.server, data_dir: dataDir } }));
    const build = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled']);
    expect(build.status).toBe('failed');
    expect(build.error?.code).toBe('secrets_unreadable');
    expect(build.error?.message).toContain(join(dataDir, 'secret-key'));
    expect(build.error?.message).toContain('data_dir');
    expect(JSON.stringify(build)).not.toContain(token);
  });
});
