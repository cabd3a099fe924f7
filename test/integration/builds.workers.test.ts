import type { ChildProcess } from 'node:child_process';
import type { BerthConfig } from '../../src/config/config.schema';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { spawnWorkerProcess } from '../support/worker';
import { poll } from './helpers';
import { buildLog, closeBuildApi, dockerfileBuild, getBuild, nonce, processesWith, submitBuild, waitForBuild } from './build-helpers';

const GIT = { allowed_hosts: ['127.0.0.1'] };

/** Worker processes that die with the test, whatever happens. */
function workerProcesses() {
  const children: ChildProcess[] = [];
  const ended = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;
  return {
    /** A worker process logging at `info`, so that the test can read what it did. */
    spawn(config: BerthConfig): ChildProcess & { output: () => string } {
      const child = spawnWorkerProcess({ ...config, log: { ...config.log, level: 'info' } });
      children.push(child);
      return child;
    },
    /** Resolves with the exit code once `child` exits; fails past `timeoutMs`. */
    exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
      if (ended(child)) return Promise.resolve(child.exitCode);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker process still running after ${timeoutMs} ms`)), timeoutMs);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    },
    async killAll(): Promise<void> {
      for (const child of children) {
        if (ended(child)) continue;
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
  };
}

describe('build workers that stop or freeze', () => {
  let git: GitServer;
  const apis: TestApi[] = [];
  const processes = workerProcesses();
  const api = async (build: Record<string, unknown> = {}) => {
    const made = await startTestApi({ git: GIT, build });
    apis.push(made);
    return made;
  };
  /**
   * A repository whose RUN step prints `word`, sleeps, then prints again. A worker that stops its
   * build kills the running step (Podman would run it to its end) and Podman stops before the next
   * one: no image is made behind the test's back.
   */
  const sleepingRepo = (name: string, word: string, seconds: number, append = false) =>
    git.push(name, { Dockerfile: `FROM berth-test/busybox:latest\nRUN echo ${word}; sleep ${seconds}; echo ${word}-slept\nRUN echo after\n` }, { append });

  beforeAll(async () => {
    git = await startGitServer();
  });
  afterEach(async () => {
    await processes.killAll();
    for (const made of apis.splice(0)) await closeBuildApi(made);
  });
  afterAll(async () => {
    await git.close();
  });

  it('runs a build once when its worker freezes past lock_seconds and another takes it up', async () => {
    const fast = await api({ lock_seconds: 2 });
    const word = nonce();
    const { url } = sleepingRepo(`${fast.runId}-frozen`, word, 6);
    const tag = `${fast.runId}-frozen:1`;
    const first = processes.spawn(fast.config);
    const { id } = await submitBuild(fast, dockerfileBuild(url, tag, { no_cache: true }));
    await waitForBuild(fast, id, ['building'], 60_000);
    await poll('the RUN step to run', async () => (processesWith(word).length > 0 ? true : undefined), 60_000);

    // Frozen: the engine goes on building for it, but it renews no lock and sees nothing.
    first.kill('SIGSTOP');
    const second = processes.spawn(fast.config);
    const done = await waitForBuild(fast, id, ['succeeded', 'failed', 'cancelled'], 120_000);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect((await fast.docker.getImage(tag).inspect()).Id).toBe(done.image_id);

    // Thawed: its engine build ended long ago; it must lose, remove its image and write nothing.
    first.kill('SIGCONT');
    const imagesOfBuild = async () => (await fast.docker.listImages({ filters: JSON.stringify({ label: [`berth.build-id=${id}`] }) })).map((i) => i.Id);
    // Until it gives up, its image exists under a temporary tag. (A worker that never says it gave
    // up is caught by the checks below all the same.)
    const gaveUp = () => first.output().includes('another worker took the build over');
    await poll('the frozen attempt to give up', async () => (gaveUp() ? true : undefined), 30_000, 250).catch(() => undefined);
    expect(await imagesOfBuild()).toEqual([done.image_id]);
    expect((await fast.docker.getImage(tag).inspect()).Id).toBe(done.image_id);
    const after = await getBuild(fast, id);
    expect(after).toEqual(done);
    const log = (await buildLog(fast, id)).lines.map((l) => l.text);
    expect(log.filter((l) => l.startsWith('[berth] build succeeded'))).toEqual([`[berth] build succeeded: ${tag} (${done.image_id?.slice(0, 19)})`]);
    // Attempt 2 printed the RUN step's end; attempt 1's own end (after the take-over) was refused.
    expect(log.filter((l) => l === `${word}-slept`)).toHaveLength(1);
    expect(gaveUp()).toBe(true);
    expect(first.exitCode).toBeNull();
    expect(second.exitCode).toBeNull();
  }, 240_000);

  it('hands a running build back to the queue on SIGTERM, exits 0, and the next worker builds it', async () => {
    const target = await api();
    const word = nonce();
    const name = `${target.runId}-handback`;
    // Far longer than the wait for the worker to exit: waiting for the build would fail the test.
    const { url } = sleepingRepo(name, word, 45);
    const tag = `${target.runId}-handback:1`;
    const first = processes.spawn(target.config);
    const { id } = await submitBuild(target, dockerfileBuild(url, tag, { no_cache: true }));
    await waitForBuild(target, id, ['building'], 60_000);
    await poll('the RUN step to run', async () => (processesWith(word).length > 0 ? true : undefined), 60_000);

    first.kill('SIGTERM');
    expect(await processes.exited(first, 15_000)).toBe(0);
    const handedBack = await getBuild(target, id);
    expect(handedBack).toMatchObject({ status: 'queued', attempts: 1 });
    expect(handedBack.error).toBeUndefined();
    expect((await buildLog(target, id)).lines.map((l) => l.text)).toContain('[berth] worker stopping: the build goes back to the queue');
    expect(first.output()).toContain('build handed back to the queue');
    // The stopped build's step is killed on either engine, not left to sleep on (generous bound).
    await poll('the RUN step of the stopped build to end', async () => (processesWith(word).length === 0 ? true : undefined), 30_000, 200);

    // The next worker takes it up (a quicker commit meanwhile keeps the test short).
    sleepingRepo(name, word, 1, true);
    processes.spawn(target.config);
    const done = await waitForBuild(target, id, ['succeeded', 'failed', 'cancelled'], 120_000);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect((await target.docker.getImage(tag).inspect()).Id).toBe(done.image_id);
    const log = (await buildLog(target, id)).lines.map((l) => l.text);
    expect(log).toContain('[berth] attempt 2: taking the build up again');
    expect(log.filter((l) => l.startsWith('[berth] build failed'))).toEqual([]);
  }, 240_000);
});
