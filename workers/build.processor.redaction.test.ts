import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { BuildDirs } from '../src/builds/build-dirs';
import { validateBuildRequest } from '../src/builds/build-request';
import { SecretBox } from '../src/builds/secret-box';
import { MemoryBuildStore } from '../src/builds/testing/memory-build.store';
import { BuildFailedError } from '../src/errors';
import type { BuildRequest } from '../src/models/build.model';
import { BuildProcessor } from './build.processor';
import { FakeBuildEngine, FakeGitClient, capturingLogger, fakeJob, testProcessorOptions } from './testing/fakes';

const REPO = 'https://git.example.test/team/app.git';
const ENV_VALUE = 'env-s3cr3t-4f1a9c';
const ARG_VALUE = 'arg-s3cr3t-77b2e0';
const TOKEN = 'ghp_cl0neT0ken-91d3';

let tmp: string;
let store: MemoryBuildStore;
let engine: FakeBuildEngine;
let logEntries: string[];
const secretBox = new SecretBox(randomBytes(32));

function processor(git = new FakeGitClient()): BuildProcessor {
  const { logger, entries } = capturingLogger();
  logEntries = entries;
  return new BuildProcessor(store, engine, git, new BuildDirs(join(tmp, 'builds')), testProcessorOptions(secretBox), logger);
}

/** Stores a build as the API would, with a secret env value, build arg and git token. */
async function submit(request: Partial<BuildRequest> = {}): Promise<void> {
  const full: BuildRequest = {
    git_repo: REPO,
    buildpack_type: 'dockerfile',
    image_tag: 'app',
    env: { NPM_TOKEN: ENV_VALUE, SHORT: 'on' },
    dockerfile_config: { build_args: { LICENSE_KEY: ARG_VALUE } },
    git_credentials: { token: TOKEN },
    ...request,
  };
  const { spec, secrets } = validateBuildRequest(full, { allowFileUrls: false, newId: () => 'b1' });
  await store.create(spec, new Date().toISOString());
  if (secrets) await store.saveSecrets('b1', secretBox.seal('b1', JSON.stringify(secrets)));
}

/**
 * Everything a user or operator can read about the build: log, record, worker log. The record's
 * spec is the request the worker builds from (it needs the values); the API never shows its env.
 */
async function everythingShown(): Promise<string> {
  const record = await store.get('b1');
  return JSON.stringify([store.logText('b1'), { ...record, spec: undefined }, logEntries]);
}

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-redaction-'));
  store = new MemoryBuildStore();
  engine = new FakeBuildEngine();
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('BuildProcessor: secret values never reach the stored log', () => {
  it('hides env, build arg and git token values that the build prints, also across a cut line', async () => {
    engine.output = [
      `Step 2/4 : RUN echo $NPM_TOKEN`,
      ENV_VALUE,
      `license=${ARG_VALUE} token=${TOKEN} mode=on`,
      // A long line cut by the output reader in the middle of a value.
      `${'x'.repeat(40)}${ENV_VALUE.slice(0, 8)}`,
      `${ENV_VALUE.slice(8)} and the rest`,
    ];
    await submit();
    await processor().process(fakeJob({ buildId: 'b1' }));
    expect((await store.get('b1'))?.status).toBe('succeeded');
    // The values still reach the build.
    expect(engine.builds[0]?.spec.buildArgs).toEqual({ NPM_TOKEN: ENV_VALUE, SHORT: 'on', LICENSE_KEY: ARG_VALUE });
    const log = store.logText('b1');
    expect(log).toEqual(
      expect.arrayContaining([
        'Step 2/4 : RUN echo $NPM_TOKEN',
        '***',
        // Values shorter than 4 characters are left alone.
        'license=*** token=*** mode=on',
        `${'x'.repeat(40)}***`,
        '*** and the rest',
      ]),
    );
    const shown = await everythingShown();
    for (const value of [ENV_VALUE, ARG_VALUE, TOKEN, ENV_VALUE.slice(0, 8), ENV_VALUE.slice(8)]) expect(shown).not.toContain(value);
  });

  it('hides the values in the error stored with a failed build and in its last log line', async () => {
    engine.failures = [new BuildFailedError(`The command '|2 LICENSE_KEY=${ARG_VALUE} NPM_TOKEN=${ENV_VALUE} /bin/sh -c make' returned a non-zero code: 2`)];
    await submit();
    await expect(processor().process(fakeJob({ buildId: 'b1' }))).rejects.toBeInstanceOf(UnrecoverableError);
    const record = await store.get('b1');
    expect(record?.error).toEqual({
      code: 'build_failed',
      message: "The command '|2 LICENSE_KEY=*** NPM_TOKEN=*** /bin/sh -c make' returned a non-zero code: 2",
    });
    expect(store.logText('b1').at(-1)).toBe(`[berth] build failed: ${record?.error?.message}`);
    const shown = await everythingShown();
    for (const value of [ENV_VALUE, ARG_VALUE]) expect(shown).not.toContain(value);
  });

  it('hides the values of a nixpacks build, whose plan carries env names only', async () => {
    engine.output = [`> build`, `token is ${ENV_VALUE}`];
    await submit({ buildpack_type: 'nixpacks', dockerfile_config: undefined, nixpacks_config: { start_command: 'node server.js' } });
    const git = new FakeGitClient();
    git.files = { 'package.json': '{"scripts":{"build":"node build.js"}}' };
    await processor(git).process(fakeJob({ buildId: 'b1' }));
    expect((await store.get('b1'))?.status).toBe('succeeded');
    expect(engine.builds[0]?.spec.buildArgs).toEqual({ NPM_TOKEN: ENV_VALUE, SHORT: 'on' });
    expect(engine.builds[0]?.dockerfileText).not.toContain(ENV_VALUE);
    expect(store.logText('b1')).toContain('token is ***');
    expect(await everythingShown()).not.toContain(ENV_VALUE);
  });
});
