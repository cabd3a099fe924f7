import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, WaitingError } from 'bullmq';
import { BuildDirs } from '../src/builds/build-dirs';
import { SecretBox } from '../src/builds/secret-box';
import { validateBuildRequest } from '../src/builds/build-request';
import type { BuildRecord } from '../src/builds/build.record';
import { MemoryBuildStore } from '../src/builds/testing/memory-build.store';
import { AppError, BuildFailedError, UnavailableError } from '../src/errors';
import type { BuildRequest } from '../src/models/build.model';
import { SHUTDOWN } from './build-attempt';
import { BuildProcessor, type BuildProcessorOptions } from './build.processor';
import { FakeBuildEngine, FakeGitClient, capturingLogger, fakeJob, testProcessorOptions } from './testing/fakes';

const REPO = 'https://git.example.test/team/app.git';
const TOKEN = 'ghp_s3cr3t-t0ken';

/** Counts reads of the record (the processor polls it for cancel and take-over), to see when polling stops. */
class PolledStore extends MemoryBuildStore {
  cancelPolls = 0;

  override async get(id: string): Promise<BuildRecord | undefined> {
    this.cancelPolls += 1;
    return super.get(id);
  }
}

let tmp: string;
let buildRoot: string;
let store: PolledStore;
let engine: FakeBuildEngine;
let git: FakeGitClient;
let logEntries: string[];
let options: BuildProcessorOptions;
const secretBox = new SecretBox(randomBytes(32));

function processor(overrides: Partial<BuildProcessorOptions> = {}, dirs = new BuildDirs(buildRoot)): BuildProcessor {
  const { logger, entries } = capturingLogger();
  logEntries = entries;
  return new BuildProcessor(store, engine, git, dirs, { ...options, ...overrides }, logger);
}

/** Stores a build as the API would: validated spec, secrets apart. */
async function submit(request: Partial<BuildRequest> = {}, id = 'b1'): Promise<void> {
  const full: BuildRequest = { git_repo: REPO, buildpack_type: 'dockerfile', image_tag: 'app', ...request };
  const { spec, secrets } = validateBuildRequest(full, { allowFileUrls: false, newId: () => id });
  await store.create(spec, new Date().toISOString());
  if (secrets) await store.saveSecrets(id, secretBox.seal(id, JSON.stringify(secrets)));
}

async function record(id = 'b1'): Promise<BuildRecord> {
  const found = await store.get(id);
  if (!found) throw new Error(`no build ${id}`);
  return found;
}

function statuses(id = 'b1'): string[] {
  return store.transitions.filter((t) => t.id === id).map((t) => t.status);
}

/** The checkouts left under the build root. */
function checkouts(): string[] {
  return existsSync(buildRoot) ? readdirSync(buildRoot) : [];
}

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-processor-'));
  buildRoot = join(tmp, 'builds');
  store = new PolledStore();
  engine = new FakeBuildEngine();
  git = new FakeGitClient();
  options = testProcessorOptions(secretBox);
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('BuildProcessor: a build that succeeds', () => {
  it('goes cloning → building → succeeded with timestamps, commit, plan and images', async () => {
    await submit();
    const before = new Date().toISOString();
    await processor().process(fakeJob({ buildId: 'b1' }));
    const r = await record();
    // The second `building` is the claim under the fence: the images are this attempt's to tag.
    expect(statuses()).toEqual(['cloning', 'building', 'building', 'succeeded']);
    expect(r.status).toBe('succeeded');
    expect(r.error).toBeUndefined();
    expect(r.commit).toBe(git.commit);
    expect(r.images).toEqual([{ tag: 'app:latest', id: `sha256:${'1'.padStart(64, '0')}` }]);
    expect(r.plan).toEqual({ buildpack: 'dockerfile', dockerfile: 'Dockerfile', target: null, buildArgs: [] });
    expect(r.attempts).toBe(1);
    const times = [r.queuedAt, r.cloningAt, r.buildingAt, r.finishedAt];
    for (const t of times) expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect([...times].sort()).toEqual(times);
    expect(r.cloningAt! >= before).toBe(true);
    expect(store.expired).toEqual(['b1']);
  });

  it('clones what the spec names into the attempt directory and builds it with the labels', async () => {
    await submit({ git_branch: 'release/1', git_commit: 'ABCDEF1', git_submodules: true, no_cache: true, env: { A: '1' }, network: 'none' });
    await processor({ memoryBytes: 512 * 1024 * 1024, nanoCpus: 1.5e9, pidsLimit: 300 }).process(fakeJob({ buildId: 'b1' }));
    expect(git.requests).toHaveLength(1);
    const clone = git.requests[0]!;
    expect(clone).toMatchObject({ url: REPO, branch: 'release/1', commit: 'abcdef1', submodules: true, allowFileProtocol: false, timeoutMs: 2_000 });
    expect(clone.credentials).toBeUndefined();
    expect(clone.dir.startsWith(`${buildRoot}/b1.`)).toBe(true);
    expect(clone.dir.endsWith('/src')).toBe(true);
    expect(engine.builds).toHaveLength(1);
    expect(engine.builds[0]).toEqual({
      spec: {
        contextDir: clone.dir,
        dockerfile: 'Dockerfile',
        alwaysSend: [],
        // Built under a tag of the attempt's own: the user's tag moves only once the build is won.
        tag: expect.stringMatching(/^berth-attempt\/[0-9a-f]{20}:a1-0$/),
        buildArgs: { A: '1' },
        labels: { 'berth.build-id': 'b1', 'berth.repo': REPO, 'berth.commit': git.commit, 'berth.instance': 'test-instance' },
        noCache: true,
        memoryBytes: 512 * 1024 * 1024,
        nanoCpus: 1.5e9,
        pidsLimit: 300,
        network: 'none',
      },
      dockerfileText: 'FROM alpine\n',
    });
  });

  it('writes the clone, the plan, the engine output and the result to the build log, in order', async () => {
    await submit();
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect(store.logText('b1')).toEqual([
      `[berth] cloning ${REPO} (the default branch)`,
      `[berth] checked out ${git.commit}`,
      '[plan] dockerfile: Dockerfile',
      '[plan] build args: (none)',
      '[berth] building app:latest',
      'Step 1/1 : FROM alpine',
      ' ---> 05455a08881e',
      `[berth] build succeeded: app:latest (sha256:000000000000)`,
    ]);
  });

  it('removes the checkout once done', async () => {
    await submit();
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect(checkouts()).toEqual([]);
  });

  it('builds inside base_directory', async () => {
    git.files = { 'services/api/Dockerfile': 'FROM alpine AS api\n', Dockerfile: 'FROM wrong\n' };
    await submit({ base_directory: 'services/api' });
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect(engine.builds[0]?.spec.contextDir).toBe(join(git.requests[0]!.dir, 'services/api'));
    expect(engine.builds[0]?.dockerfileText).toBe('FROM alpine AS api\n');
  });

  it('writes generated files into the context, never through a symlink the repository put there', async () => {
    const outside = join(tmp, 'outside');
    mkdirSync(outside);
    git.files = { 'index.html': '<h1>hi</h1>' };
    git.symlinks = { '.berth': outside };
    await submit({ buildpack_type: 'static' });
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect((await record()).status).toBe('succeeded');
    expect(readdirSync(outside)).toEqual([]);
    expect(engine.builds[0]?.spec.dockerfile).toBe('.berth/Dockerfile');
    expect(engine.builds[0]?.dockerfileText).toMatch(/^FROM /m);
  });

  it('reports the commit it checked out even when the build then fails', async () => {
    engine.failures = [new BuildFailedError('step 2 failed')];
    await submit();
    await expect(processor().process(fakeJob({ buildId: 'b1' }))).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await record()).commit).toBe(git.commit);
  });
});

describe('BuildProcessor: failures', () => {
  it('ends failed with the error code and message, logs the error and stops retries', async () => {
    const message = "The command '/bin/sh -c exit 3' returned a non-zero code: 3";
    engine.failures = [new BuildFailedError(message)];
    await submit();
    const outcome = processor().process(fakeJob({ buildId: 'b1' }, { attemptsMade: 0, attempts: 3 }));
    await expect(outcome).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(outcome).rejects.toThrow(message);
    const r = await record();
    expect(statuses()).toEqual(['cloning', 'building', 'failed']);
    expect(r.error).toEqual({ code: 'build_failed', message });
    expect(r.finishedAt).toBeDefined();
    expect(r.images).toBeUndefined();
    expect(store.logText('b1').slice(-1)).toEqual([`[berth] build failed: ${message}`]);
    expect(store.expired).toEqual(['b1']);
    expect(checkouts()).toEqual([]);
  });

  it('fails with the planner code when the repository cannot be built as asked, before any engine build', async () => {
    git.files = { 'README.md': 'no Dockerfile here' };
    await submit();
    await expect(processor().process(fakeJob({ buildId: 'b1' }))).rejects.toBeInstanceOf(UnrecoverableError);
    const r = await record();
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('invalid_repository');
    // The API's name for the setting, never the planner's internal one.
    expect(r.error?.message).toContain('dockerfile_config.dockerfile_path');
    expect(r.error?.message).not.toContain('dockerfilePath');
    expect(engine.builds).toEqual([]);
    expect(checkouts()).toEqual([]);
  });

  it('fails when base_directory is not a directory of the checkout', async () => {
    await submit({ base_directory: 'missing' });
    await expect(processor().process(fakeJob({ buildId: 'b1' }))).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await record()).error).toEqual({ code: 'build_failed', message: 'base_directory "missing" is not a directory of the repository' });
  });

  it.each([
    ['is a symlink to a directory outside', { link: 'OUTSIDE' }, 'link'],
    ['passes through a symlink to a directory outside', { link: 'OUTSIDE' }, 'link/app'],
    ['passes through a symlink to the host root', { root: '/' }, 'root/etc'],
  ])('refuses a base_directory that %s', async (_, symlinks, baseDirectory) => {
    const outside = join(tmp, 'outside');
    mkdirSync(join(outside, 'app'), { recursive: true });
    writeFileSync(join(outside, 'app/Dockerfile'), 'FROM alpine\n');
    git.symlinks = Object.fromEntries(Object.entries(symlinks).map(([k, v]) => [k, v === 'OUTSIDE' ? outside : v]));
    await submit({ base_directory: baseDirectory });
    await expect(processor().process(fakeJob({ buildId: 'b1' }))).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await record()).error?.message).toContain('is not a directory of the repository');
    expect(engine.builds).toEqual([]);
  });

  it('refuses to clone from an internal address, without retrying', async () => {
    await submit({ git_repo: 'https://127.0.0.1/team/app.git' });
    await expect(processor({ allowedHosts: [] }).process(fakeJob({ buildId: 'b1' }))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(git.requests).toEqual([]);
    const r = await record();
    expect(r.status).toBe('failed');
    expect(r.error).toEqual({ code: 'host_refused', message: expect.stringMatching(/internal address 127\.0\.0\.1/) });
  });

  it('resolves the host when it clones: an answer that turned internal since the submit is refused', async () => {
    await submit();
    const rebound = processor({ allowedHosts: [], hostResolver: { resolve: async () => ['10.0.0.8'] } });
    await expect(rebound.process(fakeJob({ buildId: 'b1' }))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(git.requests).toEqual([]);
    expect((await record()).error).toEqual({ code: 'host_refused', message: expect.stringMatching(/"git.example.test" resolves to the internal address 10\.0\.0\.8/) });
  });

  it('hands git the address it checked, the checkout cap and a checker for submodule URLs', async () => {
    await submit();
    await processor({ allowedHosts: [], hostResolver: { resolve: async () => ['93.184.216.34'] } }).process(fakeJob({ buildId: 'b1' }));
    const clone = git.requests[0]!;
    expect(clone.remote).toEqual({ url: REPO, scheme: 'https', host: 'git.example.test', port: 443, address: '93.184.216.34' });
    expect(clone.maxBytes).toBe(1024 * 1024);
    await expect(clone.remotes.check('https://git.example.test/team/lib.git')).resolves.toMatchObject({ address: '93.184.216.34' });
    await expect(clone.remotes.check('http://127.0.0.1/lib.git')).rejects.toMatchObject({ code: 'host_refused' });
  });

  it('clones from public addresses', async () => {
    await submit({ git_repo: 'https://93.184.216.34/team/app.git' });
    await processor({ allowedHosts: [] }).process(fakeJob({ buildId: 'b1' }));
    expect(git.requests.map((r) => r.url)).toEqual(['https://93.184.216.34/team/app.git']);
    expect((await record()).status).toBe('succeeded');
  });

  it('does not retry errors of its own kind, such as a failed clone', async () => {
    git.failures = [new AppError('clone_failed', 'git clone failed: fatal: repository not found')];
    await submit();
    await expect(processor().process(fakeJob({ buildId: 'b1' }, { attemptsMade: 0, attempts: 3 }))).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await record()).error).toEqual({ code: 'clone_failed', message: 'git clone failed: fatal: repository not found' });
    expect(engine.builds).toEqual([]);
  });
});

describe('BuildProcessor: retries', () => {
  it.each([
    ['a plain error', new Error('socket hang up')],
    ['an unavailable engine or Redis', new UnavailableError('engine', 'engine is not reachable')],
  ])('puts the build back in the queue after %s while tries remain, and rethrows it for BullMQ', async (_, error) => {
    engine.failures = [error];
    await submit();
    const outcome = processor().process(fakeJob({ buildId: 'b1' }, { attemptsMade: 0, attempts: 3 }));
    await expect(outcome).rejects.toBe(error);
    const r = await record();
    expect(r.status).toBe('queued');
    expect(r.error).toBeUndefined();
    expect(r.finishedAt).toBeUndefined();
    expect(store.logText('b1').slice(-1)).toEqual([`[berth] attempt failed (${error.message}); it will be retried`]);
    expect(store.expired).toEqual([]);
    expect(checkouts()).toEqual([]);
  });

  it('takes the build up again on the next try and succeeds', async () => {
    engine.failures = [new Error('socket hang up')];
    await submit();
    const p = processor();
    await expect(p.process(fakeJob({ buildId: 'b1' }, { attemptsMade: 0, attempts: 3 }))).rejects.toThrow('socket hang up');
    await p.process(fakeJob({ buildId: 'b1' }, { attemptsMade: 1, attempts: 3 }));
    const r = await record();
    expect(r.status).toBe('succeeded');
    expect(r.attempts).toBe(2);
    expect(statuses()).toEqual(['cloning', 'building', 'queued', 'cloning', 'building', 'building', 'succeeded']);
    expect(store.logText('b1')).toContain('[berth] attempt 2: taking the build up again');
    expect(git.requests[0]!.dir).not.toBe(git.requests[1]!.dir);
    expect(checkouts()).toEqual([]);
  });

  it('ends failed with code build_error and an UnrecoverableError on the last try', async () => {
    engine.failures = [new Error('socket hang up')];
    await submit();
    const outcome = processor().process(fakeJob({ buildId: 'b1' }, { attemptsMade: 2, attempts: 3 }));
    await expect(outcome).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(outcome).rejects.toThrow('socket hang up');
    expect((await record()).error).toEqual({ code: 'build_error', message: 'socket hang up' });
    expect(store.logText('b1').slice(-1)).toEqual(['[berth] build failed: socket hang up']);
  });

  it('takes a job without attempts as its only try', async () => {
    engine.failures = [new Error('boom')];
    await submit();
    const job = fakeJob({ buildId: 'b1' });
    job.opts = {};
    await expect(processor().process(job)).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await record()).status).toBe('failed');
  });

  it('stops polling and leaves no checkout when the checkout directory cannot be made', async () => {
    writeFileSync(join(tmp, 'not-a-dir'), '');
    await submit();
    const p = processor({}, new BuildDirs(join(tmp, 'not-a-dir', 'builds')));
    await expect(p.process(fakeJob({ buildId: 'b1' }))).rejects.toThrow();
    const polls = store.cancelPolls;
    await new Promise((r) => setTimeout(r, 60));
    expect(store.cancelPolls).toBe(polls);
    expect((await record()).status).toBe('queued');
  });
});

describe('BuildProcessor: cancel and timeout', () => {
  it('ends cancelled when cancel is requested during the build, and completes the job', async () => {
    engine.hang = true;
    engine.onBuild = () => store.requestCancel('b1');
    await submit();
    await expect(processor().process(fakeJob({ buildId: 'b1' }))).resolves.toBeUndefined();
    const r = await record();
    expect(statuses()).toEqual(['cloning', 'building', 'cancelled']);
    expect(r.error).toEqual({ code: 'cancelled', message: 'cancelled on request' });
    expect(r.finishedAt).toBeDefined();
    expect(store.logText('b1').slice(-1)).toEqual(['[berth] build cancelled']);
    expect(store.expired).toEqual(['b1']);
    expect(checkouts()).toEqual([]);
  });

  it('ends cancelled without building when cancel was requested before it started', async () => {
    await submit();
    await store.requestCancel('b1');
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect((await record()).status).toBe('cancelled');
    expect(engine.builds).toEqual([]);
    expect(checkouts()).toEqual([]);
  });

  it('stops a clone that hangs when cancel is requested', async () => {
    git.hang = true;
    await submit();
    const outcome = processor().process(fakeJob({ buildId: 'b1' }));
    await new Promise((r) => setTimeout(r, 30));
    await store.requestCancel('b1');
    await outcome;
    expect((await record()).status).toBe('cancelled');
    expect(checkouts()).toEqual([]);
  });

  it('ends failed with code timeout when the build runs past the limit', async () => {
    engine.hang = true;
    await submit();
    const started = Date.now();
    await expect(processor({ timeoutMs: 100 }).process(fakeJob({ buildId: 'b1' }))).resolves.toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    const r = await record();
    expect(statuses()).toEqual(['cloning', 'building', 'failed']);
    expect(r.error).toEqual({ code: 'timeout', message: 'timeout: the build ran past 0.1 s' });
    expect(store.logText('b1').slice(-1)).toEqual(['[berth] build stopped: it ran past the 0.1 s limit']);
    expect(checkouts()).toEqual([]);
  });

  it('stops polling for cancellation once the build ended', async () => {
    await submit();
    await processor().process(fakeJob({ buildId: 'b1' }));
    const polls = store.cancelPolls;
    await new Promise((r) => setTimeout(r, 60));
    expect(store.cancelPolls).toBe(polls);
  });
});

describe('BuildProcessor: one attempt wins (fencing)', () => {
  const imageOf = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

  it('tags the image only after winning the build, and removes the temporary tag', async () => {
    let tagsDuringBuild: string[] = [];
    engine.onBuild = () => {
      tagsDuringBuild = [...engine.tags.keys()];
    };
    await submit();
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect(tagsDuringBuild).toEqual([]);
    expect([...engine.tags]).toEqual([['app:latest', imageOf(1)]]);
    expect(engine.removed).toEqual([engine.builds[0]!.spec.tag]);
    expect((await record()).images).toEqual([{ tag: 'app:latest', id: imageOf(1) }]);
  });

  it('refuses every write of an attempt that another worker took over, and removes its image', async () => {
    engine.onBuild = async () => {
      await store.countAttempt('b1'); // another worker took the build up meanwhile
    };
    await submit();
    const statusesBefore = statuses().length;
    await expect(processor().process(fakeJob({ buildId: 'b1' }))).rejects.toThrow('taken over by another worker');
    const r = await record();
    expect(r).toMatchObject({ status: 'building', attempts: 2 });
    expect(r.images).toBeUndefined();
    expect(r.publishing).toBeUndefined();
    expect(statuses().length - statusesBefore).toBe(2); // cloning and building, before the take-over
    expect(engine.tags.size).toBe(0);
    expect(engine.removed).toEqual([engine.builds[0]!.spec.tag]);
    expect(store.logText('b1').filter((l) => l.startsWith('[berth] build succeeded'))).toEqual([]);
  });

  it('stops the engine build when another attempt takes the build over', async () => {
    engine.hang = true;
    engine.onBuild = () => store.countAttempt('b1').then(() => undefined);
    await submit();
    await expect(processor().process(fakeJob({ buildId: 'b1' }))).rejects.toThrow('taken over');
    expect((await record()).status).toBe('building');
    expect(checkouts()).toEqual([]);
  });

  it('stops the engine build when the worker loses its lock, leaving the record to the next attempt', async () => {
    engine.hang = true;
    const lock = new AbortController();
    engine.onBuild = () => lock.abort('lock lost');
    await submit();
    await expect(processor().process(fakeJob({ buildId: 'b1' }), 'token-1', lock.signal)).rejects.toThrow('taken over');
    expect(await record()).toMatchObject({ status: 'building', attempts: 1 });
    expect(engine.tags.size).toBe(0);
    // The aborted engine build may have made its image all the same: removed by its temporary tag.
    expect(engine.removed).toEqual([engine.builds[0]!.spec.tag]);
  });

  it('finishes the tagging a claimed attempt left, without building again', async () => {
    await submit();
    await store.countAttempt('b1');
    const publishing = [{ tag: 'app:latest', id: imageOf(7), temporaryTag: 'berth-attempt/x:a1-0' }];
    await store.transition('b1', 'building', { publishing }, 1);
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect(engine.builds).toEqual([]);
    expect(git.requests).toEqual([]);
    expect(await record()).toMatchObject({ status: 'succeeded', attempts: 2, images: [{ tag: 'app:latest', id: imageOf(7) }] });
    expect(engine.tags.get('app:latest')).toBe(imageOf(7));
    // Its temporary tag, and whatever attempt 1 may have left under its own (an engine ending a build late).
    expect(engine.removed).toEqual(['berth-attempt/x:a1-0', expect.stringMatching(/^berth-attempt\/[0-9a-f]{20}:a1-0$/)]);
  });

  it('leaves a claimed build to the next try when tagging fails, which then tags the same image', async () => {
    engine.tagFailures = [new UnavailableError('engine', 'engine down')];
    await submit();
    await expect(processor().process(fakeJob({ buildId: 'b1' }))).rejects.toThrow('engine down');
    expect(await record()).toMatchObject({ status: 'queued', publishing: [{ tag: 'app:latest', id: imageOf(1) }] });
    await processor().process(fakeJob({ buildId: 'b1' }, { attemptsMade: 1 }));
    expect(engine.builds).toHaveLength(1);
    expect(await record()).toMatchObject({ status: 'succeeded', images: [{ tag: 'app:latest', id: imageOf(1) }] });
    expect(engine.tags.get('app:latest')).toBe(imageOf(1));
  });
});

describe('BuildProcessor: the worker stops', () => {
  it('hands a running build back: stops the engine build, record queued, job back to waiting, not a failed try', async () => {
    engine.hang = true;
    const shutdown = new AbortController();
    engine.onBuild = () => shutdown.abort(SHUTDOWN);
    await submit();
    const job = fakeJob({ buildId: 'b1' });
    const outcome = processor().process(job, 'token-1', shutdown.signal);
    await expect(outcome).rejects.toBeInstanceOf(WaitingError);
    const r = await record();
    expect(r).toMatchObject({ status: 'queued', attempts: 1 });
    expect(r.error).toBeUndefined();
    expect(job.movedToWait).toEqual(['token-1']);
    expect(store.logText('b1').slice(-1)).toEqual(['[berth] worker stopping: the build goes back to the queue']);
    expect(store.expired).toEqual([]);
    expect(engine.tags.size).toBe(0);
    expect(checkouts()).toEqual([]);
    expect(logEntries.some((e) => e.includes('build handed back to the queue'))).toBe(true);

    // The next worker takes it up again.
    engine.hang = false;
    engine.onBuild = undefined;
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect(await record()).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('hands back a build whose worker was already stopping when it was taken', async () => {
    const shutdown = new AbortController();
    shutdown.abort(SHUTDOWN);
    await submit();
    const job = fakeJob({ buildId: 'b1' });
    await expect(processor().process(job, 'token-1', shutdown.signal)).rejects.toBeInstanceOf(WaitingError);
    expect(engine.builds).toEqual([]);
    expect((await record()).status).toBe('queued');
    expect(job.movedToWait).toEqual(['token-1']);
  });
});

describe('BuildProcessor: credentials', () => {
  it('takes the credentials from the store and keeps them out of logs and the record', async () => {
    await submit({ git_repo: `https://bot:${TOKEN}@git.example.test/team/app.git` });
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect(git.requests[0]?.credentials).toEqual({ username: 'bot', token: TOKEN });
    expect(git.requests[0]?.url).toBe(REPO);
    expect(store.logText('b1').join('\n')).not.toContain(TOKEN);
    expect(logEntries.join('\n')).not.toContain(TOKEN);
    expect(JSON.stringify(await record())).not.toContain(TOKEN);
    expect(JSON.stringify(engine.builds)).not.toContain(TOKEN);
    expect(store.secrets.has('b1')).toBe(false);
  });

  it('keeps the credentials for the next try of a retried build', async () => {
    engine.failures = [new Error('socket hang up')];
    await submit({ git_credentials: { token: TOKEN } });
    const p = processor();
    await expect(p.process(fakeJob({ buildId: 'b1' }, { attemptsMade: 0 }))).rejects.toThrow();
    await p.process(fakeJob({ buildId: 'b1' }, { attemptsMade: 1 }));
    expect(git.requests.map((r) => r.credentials)).toEqual([{ token: TOKEN }, { token: TOKEN }]);
    expect(store.logText('b1').join('\n')).not.toContain(TOKEN);
  });

  it('keeps a failed build free of credentials too', async () => {
    engine.failures = [new BuildFailedError('RUN failed')];
    await submit({ git_credentials: { username: 'bot', token: TOKEN } });
    await expect(processor().process(fakeJob({ buildId: 'b1' }))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(store.logText('b1').join('\n')).not.toContain(TOKEN);
    expect(logEntries.join('\n')).not.toContain(TOKEN);
    expect(store.secrets.has('b1')).toBe(false);
  });

  it('fails the build clearly, without retries, when the credentials were sealed with another key', async () => {
    await submit({ git_credentials: { token: TOKEN } });
    const other = new SecretBox(randomBytes(32), '/elsewhere/secret-key');
    await expect(processor({ secretBox: other }).process(fakeJob({ buildId: 'b1' }))).rejects.toBeInstanceOf(UnrecoverableError);
    const r = await record();
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('secrets_unreadable');
    expect(r.error?.message).toContain('/elsewhere/secret-key');
    expect(git.requests).toEqual([]);
  });

  it('puts the sealed env and build arg values back for every try of a retried build', async () => {
    engine.failures = [new Error('socket hang up')];
    await submit({ env: { NPM_TOKEN: 'env-value-1' }, dockerfile_config: { build_args: { LICENSE_KEY: 'arg-value-1' } } });
    expect(JSON.stringify(await record())).not.toMatch(/value-1/);
    const p = processor();
    await expect(p.process(fakeJob({ buildId: 'b1' }, { attemptsMade: 0 }))).rejects.toThrow();
    await p.process(fakeJob({ buildId: 'b1' }, { attemptsMade: 1 }));
    const args = { NPM_TOKEN: 'env-value-1', LICENSE_KEY: 'arg-value-1' };
    expect(engine.builds.map((b) => b.spec.buildArgs)).toEqual([args, args]);
    expect((await record()).status).toBe('succeeded');
    expect(store.secrets.has('b1')).toBe(false);
  });

  it('fails the build clearly, never building with empty values, when its sealed values are gone', async () => {
    await submit({ env: { NPM_TOKEN: 'env-value-1' } });
    store.secrets.delete('b1');
    await expect(processor().process(fakeJob({ buildId: 'b1' }))).rejects.toBeInstanceOf(UnrecoverableError);
    const r = await record();
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('secrets_unreadable');
    expect(r.error?.message).toContain('env.NPM_TOKEN');
    expect(git.requests).toEqual([]);
    expect(engine.builds).toEqual([]);
  });

  it('still builds a spec stored with its values in it, beside credentials sealed alone', async () => {
    const { spec } = validateBuildRequest({ git_repo: REPO, buildpack_type: 'dockerfile', image_tag: 'app' }, { allowFileUrls: false, newId: () => 'b1' });
    await store.create({ ...spec, plan: { ...spec.plan, env: { OLD: 'clear-value' } } }, new Date().toISOString());
    await store.saveSecrets('b1', secretBox.seal('b1', JSON.stringify({ token: TOKEN })));
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect(git.requests[0]?.credentials).toEqual({ token: TOKEN });
    expect(engine.builds[0]?.spec.buildArgs).toEqual({ OLD: 'clear-value' });
  });

  it('falls back on the configured credentials of the host', async () => {
    await submit({ git_repo: 'https://Git.Example.Test/team/app.git' });
    await processor({ hostCredentials: { 'git.example.test': { token: 'host-token' } } }).process(fakeJob({ buildId: 'b1' }));
    expect(git.requests[0]?.credentials).toEqual({ token: 'host-token' });
    expect(store.logText('b1').join('\n')).not.toContain('host-token');
  });
});

describe('BuildProcessor: jobs it does not run', () => {
  it.each([[{}], [{ buildId: '../x' }], [{ buildId: 'b1', extra: true }], [null]])('refuses the malformed payload %j without retries', async (data) => {
    await expect(processor().process(fakeJob(data))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(git.requests).toEqual([]);
  });

  it('skips a build that was forgotten', async () => {
    await expect(processor().process(fakeJob({ buildId: 'gone' }))).resolves.toBeUndefined();
    expect(git.requests).toEqual([]);
    expect(checkouts()).toEqual([]);
  });

  it('skips a build that already ended, leaving its record alone', async () => {
    await submit();
    await store.transition('b1', 'cancelled', { finishedAt: new Date().toISOString() });
    const before = await record();
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect(await record()).toEqual(before);
    expect(git.requests).toEqual([]);
  });
});
