import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { BuildDirs } from '../src/builds/build-dirs';
import { validateBuildRequest } from '../src/builds/build-request';
import { SecretBox } from '../src/builds/secret-box';
import { MemoryBuildStore } from '../src/builds/testing/memory-build.store';
import { BuildProcessor } from './build.processor';
import { FakeBuildEngine, FakeGitClient, capturingLogger, fakeJob, testProcessorOptions } from './testing/fakes';

describe('BuildProcessor: a build naming a node', () => {
  let tmp: string;
  let store: MemoryBuildStore;
  let local: FakeBuildEngine;
  let edge: FakeBuildEngine;
  const secretBox = new SecretBox(randomBytes(32));

  beforeEach(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'berth-processor-node-'));
    store = new MemoryBuildStore();
    local = new FakeBuildEngine();
    edge = new FakeBuildEngine();
    const request = { git_repo: 'https://git.example.test/app.git', buildpack_type: 'dockerfile' as const, image_tag: 'app', node: 'edge' };
    const { spec } = validateBuildRequest(request, { allowFileUrls: false, newId: () => 'b1', nodes: ['edge'] });
    await store.create(spec, new Date().toISOString());
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  const processor = (nodeEngines: (node: string) => FakeBuildEngine | undefined) =>
    new BuildProcessor(
      store,
      local,
      new FakeGitClient(),
      new BuildDirs(join(tmp, 'builds')),
      { ...testProcessorOptions(secretBox), pidsLimit: 300, memoryBytes: 1 << 30, nodeEngines },
      capturingLogger().logger,
    );

  it("builds and tags on that node's engine, with no PID limit (a cgroup of this host)", async () => {
    await processor((node) => (node === 'edge' ? edge : undefined)).process(fakeJob({ buildId: 'b1' }));
    expect((await store.get('b1'))?.status).toBe('succeeded');
    expect(local.builds).toHaveLength(0);
    expect(edge.builds).toHaveLength(1);
    expect(edge.builds[0]?.spec.pidsLimit).toBeUndefined();
    expect(edge.builds[0]?.spec.memoryBytes).toBe(1 << 30);
    expect([...edge.tags.keys()]).toEqual(['app:latest']);
    expect(local.tags.size).toBe(0);
  });

  it('fails, without retrying, on a worker that does not know the node', async () => {
    await expect(processor(() => undefined).process(fakeJob({ buildId: 'b1' }))).rejects.toBeInstanceOf(UnrecoverableError);
    const record = await store.get('b1');
    expect(record?.status).toBe('failed');
    expect(record?.error?.message).toContain('node "edge" is not configured on this build worker');
    expect(local.builds).toHaveLength(0);
  });
});
