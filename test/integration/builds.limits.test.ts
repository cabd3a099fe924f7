import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { BUILD_CGROUP_PREFIX, CGROUP_ROOT } from '../../src/engine/build-cgroup';
import { LINE_MAX_BYTES } from '../../src/engine/build-output';
import { expectError } from './helpers';
import { buildLog, closeBuildApi, closeWorkers, dockerfileBuild, getBuild, nonce, submitBuild, waitForBuild } from './build-helpers';

const GIT = { allowed_hosts: ['127.0.0.1'] };
const ENDED = ['succeeded', 'failed', 'cancelled'];
const BASE = 'FROM berth-test/busybox:latest';

/** Where a cgroup of this name exists now, in every hierarchy (cgroup v1) or the one tree (v2). */
function cgroupsNamed(name: string): string[] {
  const bases = existsSync(join(CGROUP_ROOT, 'cgroup.controllers')) ? [CGROUP_ROOT] : readdirSync(CGROUP_ROOT).map((h) => join(CGROUP_ROOT, h));
  return bases.map((base) => join(base, name)).filter((dir) => existsSync(dir));
}

/** The words a RUN step printed after `marker` on one line. */
function printed(texts: string[], marker: string): string[] | undefined {
  return texts
    .find((t) => t.startsWith(`${marker} `))
    ?.slice(marker.length + 1)
    .trim()
    .split(/\s+/);
}

describe('build limits', () => {
  let api: TestApi;
  let git: GitServer;
  const workers: BuildWorker[] = [];

  beforeAll(async () => {
    api = await startTestApi({ git: GIT, build: { log_max_bytes: 200_000, pids_limit: 64 } });
    git = await startGitServer();
    workers.push(await startTestWorker(api.config));
  });
  afterAll(async () => {
    await closeWorkers(workers);
    await closeBuildApi(api);
    await git.close();
  });

  async function build(name: string, dockerfile: string, extra: Record<string, unknown> = {}) {
    const { url } = git.push(`${api.runId}-${name}`, { Dockerfile: dockerfile });
    const { id } = await submitBuild(api, dockerfileBuild(url, `${api.runId}-${name}:1`, { no_cache: true, ...extra }));
    const done = await waitForBuild(api, id, ENDED, 240_000);
    const texts = (await buildLog(api, id)).lines.map((l) => l.text);
    return { id, done, texts };
  }

  it('reads a flood of output without keeping it: the build succeeds, the log is truncated, every line within the cap', async () => {
    const word = nonce();
    // One 100 kB line without a newline until its end, then 30 MB of short lines.
    const dockerfile = `${BASE}\nRUN echo ${word}-start; head -c 100000 /dev/zero | tr '\\0' x; echo; yes | head -c 30000000; echo ${word}-end\n`;
    const { id, done, texts } = await build('flood', dockerfile);
    expect(done).toMatchObject({ status: 'succeeded', image_id: expect.stringMatching(/^sha256:/) });
    const log = await buildLog(api, id);
    expect(log.truncated).toBe(true);
    expect(texts).toContain(`${word}-start`);
    expect(texts).not.toContain(`${word}-end`);
    const cut = texts.find((t) => t.startsWith('xxxx'));
    expect(cut).toMatch(/^x+ \[berth: line cut\]$/);
    for (const text of texts) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(LINE_MAX_BYTES);
    expect(texts.at(-1)).toBe('[berth] log truncated: it exceeded 200000 bytes; the build goes on');
  }, 300_000);

  it('still reports a failure, and its message, after the log was truncated', async () => {
    const { done } = await build('flood-fail', `${BASE}\nRUN yes | head -c 3000000; exit 9\n`);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'build_failed', message: expect.stringMatching(/9|exit status/) } });
  }, 300_000);

  it('stops a RUN step that starts more processes than [build] pids_limit, in any step, and removes its cgroup', async () => {
    const forks = 'ok=0; for i in $(seq 1 200); do sleep 30 & ok=$((ok+1)); done; echo "started $ok"';
    const { done, texts } = await build('forks', `${BASE}\nRUN echo "cgroup $(grep pids /proc/self/cgroup)"\nRUN echo first step done\nRUN ${forks}\n`);
    expect(done.status).toBe('failed');
    expect(texts.join('\n')).toMatch(/can't fork/);
    expect(texts.some((t) => t.startsWith('started '))).toBe(false);
    // The first step printed its cgroup: the build's own, gone once the build ended.
    const name = new RegExp(`:/(${BUILD_CGROUP_PREFIX}[0-9a-f]{8}-\\d+-[0-9a-f]{12})/run`).exec(printed(texts, 'cgroup')?.[0] ?? '')?.[1];
    expect(name).toBeDefined();
    expect(cgroupsNamed(name ?? '')).toEqual([]);
  }, 300_000);

  it('lets a build run processes below the limit', async () => {
    const { done, texts } = await build('few-forks', `${BASE}\nRUN n=0; for i in $(seq 1 20); do sleep 2 & n=$((n+1)); done; echo "started $n"; wait\n`);
    expect(done.status).toBe('succeeded');
    expect(texts).toContain('started 20');
  }, 300_000);

  it('gives RUN steps of a network "none" build only loopback, and a default build its own network', async () => {
    const dockerfile = `${BASE}\nRUN echo "net $(ls /sys/class/net | tr '\\n' ' ')"\n`;
    const none = await build('net-none', dockerfile, { network: 'none' });
    expect(none.done).toMatchObject({ status: 'succeeded', network: 'none' });
    expect(printed(none.texts, 'net')).toEqual(['lo']);

    const usual = await build('net-default', dockerfile);
    expect(usual.done).toMatchObject({ status: 'succeeded', network: 'default' });
    const interfaces = printed(usual.texts, 'net') ?? [];
    expect(interfaces).toEqual(expect.arrayContaining(['lo', 'eth0']));
    // A namespace of its own: none of the host's bridges (Podman's API shares the host's by default).
    expect(interfaces.filter((i) => !['lo', 'eth0'].includes(i))).toEqual([]);
    expect((await getBuild(api, usual.id)) as unknown).toMatchObject({ network: 'default' });
  }, 300_000);

  it('refuses an unknown network with a 400 naming the field and the allowed values', async () => {
    for (const network of ['host', 'bridge', '', 3, null]) {
      const res = await request(api.url)
        .post('/api/v1/images/build')
        .set(api.auth())
        .send(dockerfileBuild('https://example.com/a.git', 'a:1', { network }));
      expectError(res, 400, 'invalid_input', 'network');
      if (typeof network === 'string') expect(res.body.error.message).toBe('network must be one of default, none');
    }
  });
});
