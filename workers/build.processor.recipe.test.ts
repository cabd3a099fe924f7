import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildDirs } from '../src/builds/build-dirs';
import { SecretBox } from '../src/builds/secret-box';
import { validateRecipeRequest } from '../src/builds/recipe-request';
import { MemoryBuildStore } from '../src/builds/testing/memory-build.store';
import { BuildProcessor } from './build.processor';
import { FakeBuildEngine, FakeGitClient, capturingLogger, fakeJob, testProcessorOptions } from './testing/fakes';

let tmp: string;
let store: MemoryBuildStore;
let engine: FakeBuildEngine;
let git: FakeGitClient;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-recipe-'));
  store = new MemoryBuildStore();
  engine = new FakeBuildEngine();
  git = new FakeGitClient();
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('BuildProcessor: a recipe build', () => {
  it('clones nothing, builds the generated Dockerfile from an otherwise empty context, and stores it in the plan', async () => {
    const { spec } = validateRecipeRequest({ name: 'tools:1', base_image: 'debian:bookworm', apt_install: ['jq'], commands: ['jq --version'] }, () => 'r1');
    await store.create(spec, new Date().toISOString());
    const contexts: string[][] = [];
    engine.onBuild = (build) => void contexts.push(readdirSync(build.contextDir));
    const { logger } = capturingLogger();
    const options = testProcessorOptions(new SecretBox(randomBytes(32)));
    await new BuildProcessor(store, engine, git, new BuildDirs(join(tmp, 'builds')), options, logger).process(fakeJob({ buildId: 'r1' }));

    const record = await store.get('r1');
    expect(record?.status).toBe('succeeded');
    expect(git.requests).toEqual([]);
    expect(contexts).toEqual([['.berth']]);
    const build = engine.builds[0];
    expect(build?.dockerfileText).toContain('FROM debian:bookworm\n');
    expect(build?.dockerfileText).toContain('RUN ["sh","-c","jq --version"]');
    // A recipe has no repository nor commit to label the image with.
    expect(Object.keys(build?.spec.labels ?? {})).not.toContain('berth.repo');
    expect(record?.plan).toMatchObject({ buildpack: 'recipe', apt_install: ['jq'], dockerfile: build?.dockerfileText });
    expect(record?.cloningAt).toBeUndefined();
  });
});
