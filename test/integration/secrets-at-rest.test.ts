import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { closeBuildApi, closeWorkers, dockerfileBuild, nonce, redisDump, removeBuildStages, submitBuild, waitForBuild } from './build-helpers';
import { suiteLabels, uniqueName } from './helpers';

/**
 * Proves the build saw both values by keeping their SHA-256 (never the values) in the image; the
 * values stay in a build stage, and the sleep keeps the build running while Redis is read.
 */
const VALUES_DOCKERFILE = `FROM berth-test/busybox:latest AS build
ARG APP_SECRET
ARG LICENSE_KEY
RUN printf %s "$APP_SECRET" | sha256sum > /proof && printf %s "$LICENSE_KEY" | sha256sum >> /proof && sleep 8
FROM berth-test/busybox:latest
COPY --from=build /proof /proof
CMD ["cat", "/proof"]
`;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

describe('build credentials at rest', () => {
  let api: TestApi;
  let git: GitServer;
  const workers: BuildWorker[] = [];
  const otherDirs: string[] = [];
  const values: string[] = [];

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] } });
    git = await startGitServer();
  });
  afterEach(async () => {
    await closeWorkers(workers);
  });
  afterAll(async () => {
    await closeWorkers(workers);
    // The build stage stays on the engine as an untagged image, holding the values in its history.
    await removeBuildStages(api, values);
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

  /** Every Redis key of the test API (records, logs, sealed blobs, BullMQ job hashes and lists), read by type. */
  const expectNotInRedis = async (when: string): Promise<void> => {
    const dump = await redisDump(api.config.redis.prefix);
    expect(dump.size).toBeGreaterThan(0);
    for (const [key, text] of dump) {
      for (const value of values) expect({ when, key, leaks: text.includes(value) }).toEqual({ when, key, leaks: false });
    }
  };

  it('keeps env and build arg values out of every Redis key while queued, building and after, and the build still sees them', async () => {
    const { url } = git.push(`${api.runId}-values`, { Dockerfile: VALUES_DOCKERFILE });
    const appSecret = `env-${nonce()}-value`;
    const licence = `arg-${nonce()}-value`;
    values.push(appSecret, licence);
    const body = dockerfileBuild(url, `${api.runId}-values:1`, {
      id: `${api.runId}-values`,
      env: { APP_SECRET: appSecret },
      dockerfile_config: { build_args: { LICENSE_KEY: licence } },
    });
    const { id } = await submitBuild(api, body);
    await expectNotInRedis('queued');
    // The same id again answers with the build already queued, storing nothing new.
    expect((await submitBuild(api, body, 200)).id).toBe(id);
    await expectNotInRedis('resubmitted');

    workers.push(await startTestWorker(api.config));
    expect((await waitForBuild(api, id, ['building', 'succeeded', 'failed', 'cancelled'])).status).toBe('building');
    await expectNotInRedis('building');
    const ended = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled'], 180_000);
    expect({ status: ended.status, error: ended.error }).toEqual({ status: 'succeeded', error: undefined });
    await expectNotInRedis('ended');

    const container = await api.docker.createContainer({ Image: `${api.runId}-values:1`, name: uniqueName(api, 'values'), Labels: suiteLabels(api) });
    try {
      await container.start();
      await container.wait();
      const output = (await container.logs({ stdout: true, stderr: true, follow: false })).toString('utf8');
      expect(output).toContain(sha256(appSecret));
      expect(output).toContain(sha256(licence));
    } finally {
      await container.remove({ force: true });
    }
  }, 240_000);

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
