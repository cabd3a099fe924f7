import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { spawnWorkerProcess, startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { expectError, poll } from './helpers';
import {
  buildLog,
  buildContainers,
  closeBuildApi,
  closeWorkers,
  dockerfileBuild,
  getBuild,
  imageExists,
  nonce,
  processesWith,
  redisDump,
  submitBuild,
  tagBase,
  untag,
  waitForBuild,
} from './build-helpers';

const GIT = { allowed_hosts: ['127.0.0.1'] };

describe('build lifecycle', () => {
  let api: TestApi;
  let git: GitServer;
  const workers: BuildWorker[] = [];
  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
  const del = (path: string) => request(api.url).delete(path).set(api.auth());
  const worker = async (target: TestApi = api) => {
    const w = await startTestWorker(target.config);
    workers.push(w);
    return w;
  };
  /** A repository whose first RUN step prints `word`, sleeps, then prints again. */
  const sleepingRepo = (name: string, word: string, seconds: number, from = 'berth-test/busybox:latest') =>
    git.push(`${api.runId}-${name}`, { Dockerfile: `FROM ${from}\nRUN echo ${word}; sleep ${seconds}; echo ${word}-slept\nRUN echo after\n` });

  /** A repository whose first RUN step prints `word`, then runs `endless` (which names `word`) forever. */
  const endlessRepo = (name: string, word: string, endless: string, from: string) =>
    git.push(`${api.runId}-${name}`, { Dockerfile: `FROM ${from}\nRUN echo ${word}; ${endless}; echo ${word}-ended\nRUN echo after\n` });

  beforeAll(async () => {
    api = await startTestApi({ git: GIT });
    git = await startGitServer();
  });
  afterEach(async () => {
    await closeWorkers(workers);
  });
  afterAll(async () => {
    await closeWorkers(workers);
    await closeBuildApi(api);
    await git.close();
  });

  it('cancels a running build: 202, then cancelled while its step would never end, the step killed, no container, cgroup or image left', async () => {
    const word = nonce();
    const base = await tagBase(api, `${api.runId}-base`);
    const { url } = endlessRepo('cancel', word, 'sleep 100000', base);
    const tag = `${api.runId}-cancel:1`;
    try {
      await worker();
      const { id } = await submitBuild(api, dockerfileBuild(url, tag, { no_cache: true }));
      await waitForBuild(api, id, ['building']);
      const cgroup = await stepCgroup(word);
      expect((await buildContainers(api, word, base)).length).toBe(1);

      expectError(await del(`/api/v1/builds/${id}`), 409, 'state_conflict');
      const res = await post(`/api/v1/builds/${id}/cancel`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ id, status: 'building', cancel_requested: true });

      const ended = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled'], 20_000);
      expect(ended).toMatchObject({ status: 'cancelled', error: { code: 'cancelled', message: expect.any(String) }, attempts: 1 });
      expect(ended.image_id).toBeUndefined();
      expect(ended.cancel_requested).toBeUndefined();
      expect((await buildLog(api, id)).lines.map((l) => l.text)).toContain('[berth] build cancelled');
      expectError(await post(`/api/v1/builds/${id}/cancel`), 409, 'state_conflict');

      // Docker stops the step itself; on Podman (4.x, which would run it to its end) the worker
      // kills the processes of the build's cgroup. Either way nothing of the build stays.
      await expectStepGone(api, word, base, cgroup);
      expect((await buildLog(api, id)).lines.map((l) => l.text)).not.toContain('after');
      expect(await imageExists(api, tag)).toBe(false);
      expect(await getBuild(api, id)).toMatchObject({ status: 'cancelled' });

      expect((await del(`/api/v1/builds/${id}`)).status).toBe(204);
      expectError(await request(api.url).get(`/api/v1/builds/${id}`).set(api.auth()), 404, 'not_found');
      expectError(await request(api.url).get(`/api/v1/builds/${id}/logs`).set(api.auth()), 404, 'not_found');
      expectError(await del(`/api/v1/builds/${id}`), 404, 'not_found');
      expectError(await post(`/api/v1/builds/${id}/cancel`), 404, 'not_found');
    } finally {
      await untag(api, base);
    }
  }, 180_000);

  it('cancels a queued build: never cloned nor built once a worker starts', async () => {
    const word = nonce();
    const { url } = git.push(`${api.runId}-queued`, { Dockerfile: `FROM berth-test/busybox:latest\nRUN echo ${word}\n` });
    const tag = `${api.runId}-queued:1`;
    const { id, status } = await submitBuild(api, dockerfileBuild(url, tag));
    expect(status).toBe('queued');

    const res = await post(`/api/v1/builds/${id}/cancel`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id, status: 'cancelled', error: { code: 'cancelled' }, attempts: 0 });
    expect(res.body.timestamps.finished).toEqual(expect.any(String));

    // The queue is first in, first out: once a later build has ended, the worker had its chance.
    await worker();
    const later = await submitBuild(api, dockerfileBuild(url, `${api.runId}-queued-later:1`));
    expect((await waitForBuild(api, later.id, ['succeeded', 'failed', 'cancelled'])).status).toBe('succeeded');

    const after = await getBuild(api, id);
    expect(after).toMatchObject({ status: 'cancelled', attempts: 0 });
    expect(after.timestamps.cloning).toBeUndefined();
    expect(after.timestamps.building).toBeUndefined();
    expect(await imageExists(api, tag)).toBe(false);
    expect((await buildLog(api, id)).lines.map((l) => l.text)).toEqual(['[berth] build cancelled before a worker took it']);
  }, 180_000);

  it('fails a build past [build] timeout_seconds with error code "timeout": its never-ending step killed, nothing left', async () => {
    const slow = await startTestApi({ git: GIT, build: { timeout_seconds: 4 } });
    const base = await tagBase(slow, `${slow.runId}-base`);
    try {
      const word = nonce();
      const { url } = endlessRepo('timeout', word, `yes ${word} > /dev/null`, base);
      const tag = `${slow.runId}-timeout:1`;
      await worker(slow);
      const { id } = await submitBuild(slow, dockerfileBuild(url, tag, { no_cache: true }));
      const cgroup = await stepCgroup(word);
      const ended = await waitForBuild(slow, id, ['succeeded', 'failed', 'cancelled'], 60_000);
      expect(ended).toMatchObject({ status: 'failed', error: { code: 'timeout', message: expect.stringContaining('timeout') }, attempts: 1 });
      const seconds = (Date.parse(ended.timestamps.finished ?? '') - Date.parse(ended.timestamps.cloning ?? '')) / 1000;
      // It ran until its limit (4 s), not less; the step never ends, so ending at all is the timeout.
      expect(seconds).toBeGreaterThanOrEqual(3.5);
      const log = (await buildLog(slow, id)).lines.map((l) => l.text);
      expect(log).toContain(word);
      expect(log).toContain('[berth] build stopped: it ran past the 4 s limit');
      await expectStepGone(slow, word, base, cgroup);
      expect((await buildLog(slow, id)).lines.map((l) => l.text)).not.toContain('after');
      expect(await imageExists(slow, tag)).toBe(false);
    } finally {
      await closeWorkers(workers);
      await untag(slow, base);
      await closeBuildApi(slow);
    }
  }, 120_000);

  it.each<[string, Record<string, string>, Record<string, unknown>, string, RegExp]>([
    ['a RUN step exiting 3', { Dockerfile: 'FROM berth-test/busybox:latest\nRUN exit 3\n' }, {}, 'build_failed', /exit (code|status):? 3|returned a non-zero code: 3/],
    ['no Dockerfile', { 'README.md': 'nothing to build\n' }, {}, 'invalid_repository', /No Dockerfile at "Dockerfile"/],
    [
      'a dockerfile_path naming no file',
      { Dockerfile: 'FROM berth-test/busybox:latest\n' },
      { dockerfile_config: { dockerfile_path: 'docker/missing.Dockerfile' } },
      'invalid_repository',
      /docker\/missing\.Dockerfile/,
    ],
    ['a branch the remote does not have', { Dockerfile: 'FROM berth-test/busybox:latest\n' }, { git_branch: 'no-such-branch' }, 'clone_failed', /no-such-branch/],
  ])(
    'fails a build with %s: the error is recorded once and shown in the log',
    async (what, files, extra, code, message) => {
      const { url } = git.push(`${api.runId}-fail-${what.replace(/\W+/g, '-')}`, files);
      const tag = `${api.runId}-fail:${code.replace(/_/g, '-')}`;
      await worker();
      const { id } = await submitBuild(api, dockerfileBuild(url, tag, extra));
      const ended = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled']);
      expect(ended).toMatchObject({ status: 'failed', error: { code, message: expect.stringMatching(message) } });
      // The build's own fault: not retried.
      expect(ended.attempts).toBe(1);
      expect(ended.image_id).toBeUndefined();
      const log = await buildLog(api, id);
      expect(log.status).toBe('failed');
      expect(log.lines.map((l) => l.text)).toContain(`[berth] build failed: ${ended.error?.message}`);
      expect(await imageExists(api, tag)).toBe(false);
      expect((await del(`/api/v1/builds/${id}`)).status).toBe(204);
    },
    120_000,
  );

  it('refuses a git host that does not resolve when the build is submitted: 400 naming git_repo', async () => {
    // The worker resolves again before cloning (a name may stop resolving while queued): see
    // workers/build.processor.test.ts.
    const res = await post('/api/v1/images/build', dockerfileBuild('https://git.no-such-host.invalid/app.git', `${api.runId}-unresolved:1`));
    expectError(res, 400, 'invalid_input', 'git_repo');
    expect(res.body.error.message).toBe('host "git.no-such-host.invalid" cannot be resolved');
  });

  it('answers a resubmitted id with the existing build (200) and runs it once', async () => {
    const word = nonce();
    const { url } = git.push(`${api.runId}-idem`, { Dockerfile: `FROM berth-test/busybox:latest\nRUN echo ${word}\n` });
    const id = `${api.runId}-idem`;
    const tag = `${api.runId}-idem:1`;
    const first = await submitBuild(api, dockerfileBuild(url, tag, { id }));
    expect(first).toMatchObject({ id, status: 'queued', image_tag: tag });

    // Concurrent resubmissions, one of them asking for something else: all get the first build.
    const again = await Promise.all([
      post('/api/v1/images/build', dockerfileBuild(url, tag, { id })),
      post('/api/v1/images/build', dockerfileBuild(url, tag, { id })),
      post('/api/v1/images/build', dockerfileBuild(url, `${api.runId}-other:2`, { id })),
    ]);
    for (const res of again) {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, status: 'queued', image_tag: tag, timestamps: { queued: first.timestamps.queued } });
    }
    const prefix = api.config.redis.prefix;
    const redis = await redisDump(prefix);
    expect(JSON.parse(redis.get(`${prefix}:builds:wait`) ?? '[]')).toEqual([id]);
    const listed = await request(api.url).get('/api/v1/builds').set(api.auth());
    expect(listed.body.builds.filter((b: { id: string }) => b.id === id)).toHaveLength(1);

    await worker();
    const done = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled']);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1, image_tag: tag, image_id: expect.stringMatching(/^sha256:/) });

    const after = await post('/api/v1/images/build', dockerfileBuild(url, tag, { id }));
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ id, status: 'succeeded', image_id: done.image_id, attempts: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await getBuild(api, id)).toMatchObject({ status: 'succeeded', attempts: 1, image_id: done.image_id });
    const log = (await buildLog(api, id)).lines.map((l) => l.text);
    expect(log.filter((l) => l.startsWith('[berth] cloning'))).toHaveLength(1);
    expect(log.filter((l) => l.startsWith('[berth] build succeeded'))).toHaveLength(1);
    expect(log.filter((l) => l === word)).toHaveLength(1);
    expect(await imageExists(api, `${api.runId}-other:2`)).toBe(false);
    const images = await api.docker.listImages({ filters: JSON.stringify({ label: [`berth.build-id=${id}`] }) });
    expect(images.map((i) => i.Id)).toEqual([done.image_id]);
  }, 180_000);

  it('takes a build up again after its worker process is killed, and ends it succeeded once', async () => {
    const fast = await startTestApi({ git: GIT, build: { lock_seconds: 5 } });
    const children: ChildProcess[] = [];
    const exited = (child: ChildProcess) =>
      child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
    try {
      const word = nonce();
      const { url } = sleepingRepo('killed', word, 10);
      const tag = `${fast.runId}-killed:1`;
      const first = spawnWorkerProcess(fast.config);
      children.push(first);
      const { id } = await submitBuild(fast, dockerfileBuild(url, tag, { no_cache: true }));
      await waitForBuild(fast, id, ['building'], 60_000);
      await poll('the RUN step to run', async () => (processesWith(word).length > 0 ? true : undefined), 60_000);
      first.kill('SIGKILL');
      await exited(first);
      expect(await getBuild(fast, id)).toMatchObject({ status: 'building', attempts: 1 });

      const second = spawnWorkerProcess(fast.config);
      children.push(second);
      const done = await waitForBuild(fast, id, ['succeeded', 'failed', 'cancelled'], 120_000);
      expect({ status: done.status, attempts: done.attempts, error: done.error }).toEqual({ status: 'succeeded', attempts: 2, error: undefined });
      expect(done.image_id).toMatch(/^sha256:/);
      const log = (await buildLog(fast, id)).lines.map((l) => l.text);
      expect(log).toContain('[berth] attempt 2: taking the build up again');
      expect(log.filter((l) => l.startsWith('[berth] build succeeded'))).toHaveLength(1);
      expect(log.filter((l) => l.startsWith('[berth] build failed'))).toEqual([]);
      expect((await fast.docker.getImage(tag).inspect()).Id).toBe(done.image_id);

      // Nothing takes it up a third time.
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      expect(await getBuild(fast, id)).toMatchObject({ status: 'succeeded', attempts: 2, image_id: done.image_id });
      expect(second.exitCode).toBeNull();
    } finally {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.all(children.map(exited));
      await closeBuildApi(fast);
    }
  }, 240_000);
});

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Waits for the RUN step naming `word` to run; answers the name of the build cgroup it runs in. */
async function stepCgroup(word: string): Promise<string> {
  return poll(
    'the RUN step to run in a build cgroup',
    async () => {
      for (const pid of processesWith(word)) {
        const name = /:\/(berth-build-[^/\n]+)/.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1];
        if (name) return name;
      }
      return undefined;
    },
    60_000,
    50,
  );
}

/** Where the cgroup `name` still exists, in any hierarchy (v1) or at the root (v2). */
function cgroupDirs(name: string): string[] {
  const dirs = [CGROUP_ROOT, ...readdirSync(CGROUP_ROOT).map((h) => join(CGROUP_ROOT, h))].map((dir) => join(dir, name));
  return dirs.filter((dir) => existsSync(dir));
}

/** The stopped build's step processes, build container and cgroup all go (bounds are generous, not targets). */
async function expectStepGone(api: TestApi, word: string, base: string, cgroup: string): Promise<void> {
  await poll('the RUN step to end', async () => (processesWith(word).length === 0 ? true : undefined), 30_000, 200);
  await poll('the build container to go', async () => ((await buildContainers(api, word, base)).length === 0 ? true : undefined), 30_000, 200);
  await poll('the build cgroup to go', async () => (cgroupDirs(cgroup).length === 0 ? true : undefined), 30_000, 200);
  expect(processesWith(word)).toEqual([]);
}
