import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { spawnWorkerProcess } from '../support/worker';
import { poll } from './helpers';
import { buildLog, closeBuildApi, dockerfileBuild, imageExists, redisDump, submitBuild, waitForBuild, type BuildBody } from './build-helpers';

const BASE = 'berth-test/busybox:latest';

/**
 * Repositories that try to make the worker read files of its host, crash or hang: every build
 * runs in one worker process (`npm run build` first) whose environment holds a marker that must
 * never surface.
 */
describe('builds from hostile repositories', () => {
  let api: TestApi;
  let git: GitServer;
  let worker: ChildProcess & { output: () => string };
  const markerName = `HOSTILE_CONTEXT_MARKER_${randomBytes(4).toString('hex')}`;
  const marker = `leak-${randomBytes(12).toString('hex')}`;

  /** Pushes `files` plus `links` (path → symlink target), which the fixture helper cannot write. */
  const push = (name: string, files: Record<string, string>, links: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-hostile-'));
    try {
      for (const [path, target] of Object.entries(links)) symlinkSync(target, join(dir, path));
      return git.push(`${api.runId}-${name}`, files, { fromDir: dir }).url;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const runBuild = async (name: string, url: string): Promise<{ build: BuildBody; log: string[]; tag: string }> => {
    const tag = `${api.runId}-${name}:1`;
    const { id } = await submitBuild(api, dockerfileBuild(url, tag, { no_cache: true }));
    const ended = await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled'], 100_000);
    return { build: ended, log: (await buildLog(api, id)).lines.map((l) => l.text), tag };
  };
  const expectWorkerAlive = () => expect({ exitCode: worker.exitCode, signal: worker.signalCode }).toEqual({ exitCode: null, signal: null });

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] } });
    git = await startGitServer();
    // /proc/self/environ holds the environment a process started with: the marker must be there first.
    process.env[markerName] = marker;
    try {
      worker = spawnWorkerProcess(api.config);
    } finally {
      delete process.env[markerName];
    }
    await poll('the worker process to read its environment', async () => ((await readEnviron(worker.pid)).includes(marker) ? true : undefined));
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('exit', resolve));
    }
    await closeBuildApi(api);
    await git.close();
  });

  it('refuses a .dockerignore linked to /proc/self/environ: the environment reaches no log, record or image', async () => {
    const url = push('environ', { Dockerfile: `FROM ${BASE}\nCOPY .dockerignore /x\nRUN cat /x\n` }, { '.dockerignore': '/proc/self/environ' });
    const { build, log, tag } = await runBuild('environ', url);
    expect(log.join('\n')).not.toContain(marker);
    expect(log.join('\n')).not.toContain(markerName);
    const stored = [...(await redisDump(api.config.redis.prefix)).values()].join('\n');
    expect(stored).not.toContain(marker);
    expect(await imageExists(api, tag)).toBe(false);
    expect(build).toMatchObject({
      status: 'failed',
      error: { code: 'unsafe_file', message: '.dockerignore ".dockerignore" is a symlink leading outside the checkout: refusing to read it' },
    });
    expectWorkerAlive();
  });

  it('refuses a .dockerignore linked to /dev/zero, and the worker carries on', async () => {
    const url = push('zero', { Dockerfile: `FROM ${BASE}\nCOPY . /ctx\n` }, { '.dockerignore': '/dev/zero' });
    const { build } = await runBuild('zero', url);
    expect(build).toMatchObject({ status: 'failed', error: { code: 'unsafe_file', message: expect.stringContaining('".dockerignore" is a symlink leading outside') } });
    expectWorkerAlive();
  });

  it('takes "(" and "(a+)+b" as literal names, against long file names, and builds', async () => {
    const long = 'a'.repeat(200);
    const url = push('parens', {
      Dockerfile: `FROM ${BASE}\nCOPY . /ctx\nRUN test ! -e "/ctx/(" && test ! -e "/ctx/(a+)+b" && test -e /ctx/${long} && test -e /ctx/aab && echo context-ok\n`,
      '.dockerignore': '(\n(a+)+b\n*a*a*a*a*a*a*a*a*a*a*a*a*b\n',
      '(': 'p',
      '(a+)+b': 'q',
      [long]: 'x',
      aab: 'kept: too few letters a',
    });
    const { build, log } = await runBuild('parens', url);
    expect({ status: build.status, error: build.error }).toEqual({ status: 'succeeded', error: undefined });
    expect(log).toContain('context-ok');
    expectWorkerAlive();
  });

  it('fails clearly on a pattern docker refuses, naming the line', async () => {
    const url = push('bracket', { Dockerfile: `FROM ${BASE}\n`, '.dockerignore': 'node_modules\n[\n' });
    const { build } = await runBuild('bracket', url);
    expect(build).toMatchObject({ status: 'failed', error: { code: 'invalid_dockerignore', message: '.dockerignore line 2: "[": unterminated "["' } });
    expectWorkerAlive();
  });

  it("keeps Berth's .dockerignore and Dockerfile copy out of every COPY, and still applies the repository's rules", async () => {
    const url = push('copy-all', {
      Dockerfile: `FROM ${BASE}\nCOPY . /ctx\nRUN test ! -e /ctx/.dockerignore && test ! -e /ctx/.berth-labelled.Dockerfile && test ! -e /ctx/secret.env && test -e /ctx/app.txt && echo copy-clean\n`,
      '.dockerignore': '*.env\n',
      'secret.env': 'TOKEN=x',
      'app.txt': 'a',
    });
    const { build, log } = await runBuild('copy-all', url);
    expect({ status: build.status, error: build.error }).toEqual({ status: 'succeeded', error: undefined });
    expect(log).toContain('copy-clean');
  });
});

/** A process's start-up environment, as /proc shows it ('' once it has gone). */
async function readEnviron(pid: number | undefined): Promise<string> {
  return pid === undefined ? '' : readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
}
