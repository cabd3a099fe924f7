import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildDirs } from '../src/builds/build-dirs';
import { SecretBox } from '../src/builds/secret-box';
import { validateBuildRequest } from '../src/builds/build-request';
import { MemoryBuildStore } from '../src/builds/testing/memory-build.store';
import { BaseImageMissingError } from '../src/errors/base-image-missing.error';
import type { BuildRequest } from '../src/models/build.model';
import { BuildProcessor } from './build.processor';
import { FakeBuildEngine, FakeGitClient, capturingLogger, fakeJob, testProcessorOptions } from './testing/fakes';

let tmp: string;
let store: MemoryBuildStore;
let engine: FakeBuildEngine;
let git: FakeGitClient;
const secretBox = new SecretBox(randomBytes(32));

async function failedBuild(request: Partial<BuildRequest>): Promise<{ code: string; message: string } | undefined> {
  const full: BuildRequest = { git_repo: 'https://git.example.test/team/app.git', buildpack_type: 'dockerfile', image_tag: 'app', ...request };
  const { spec } = validateBuildRequest(full, { allowFileUrls: false, newId: () => 'b1' });
  await store.create(spec, new Date().toISOString());
  const processor = new BuildProcessor(store, engine, git, new BuildDirs(join(tmp, 'builds')), testProcessorOptions(secretBox), capturingLogger().logger);
  await processor.process(fakeJob({ buildId: 'b1' })).catch(() => undefined);
  return (await store.get('b1'))?.error;
}

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-base-image-'));
  store = new MemoryBuildStore();
  engine = new FakeBuildEngine();
  git = new FakeGitClient();
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('BuildProcessor: a base image the engine cannot have', () => {
  it('names the [buildpacks] key that chose the image of a generated Dockerfile', async () => {
    git.files = { 'index.html': '<h1>hi</h1>' };
    engine.failures = [new BaseImageMissingError('nginx:alpine', 'FROM nginx:alpine', 'manifest unknown')];
    const error = await failedBuild({ buildpack_type: 'static' });
    expect(error?.code).toBe('base_image_missing');
    expect(error?.message).toContain('base image "nginx:alpine", set by [buildpacks] static_server_image,');
    expect(error?.message).toContain('point [buildpacks] static_server_image at an image the engine has');
  });

  it('names the Dockerfile line of a dockerfile build', async () => {
    git.files = { Dockerfile: 'FROM nginx:alpine\n' };
    engine.failures = [new BaseImageMissingError('nginx:alpine', 'FROM nginx:alpine', 'manifest unknown')];
    const error = await failedBuild({ buildpack_type: 'dockerfile' });
    expect(error?.code).toBe('base_image_missing');
    expect(error?.message).toContain('of the Dockerfile line "FROM nginx:alpine"');
    expect(error?.message).not.toContain('[buildpacks]');
  });
});
