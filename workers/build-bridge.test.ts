import { randomBytes } from 'node:crypto';
import winston from 'winston';
import { SecretBox } from '../src/builds/secret-box';
import { MemoryBuildStore } from '../src/builds/testing/memory-build.store';
import { exposedTcpPorts } from '../src/engine/dockerode.engine';
import type { BuildQueue } from '../src/queue/build-queue.port';
import { BuildService } from '../src/services/build.service';
import { BUILD_POLL_MS, ServiceBuildBridge } from './build-bridge';

const request = { id: 'dep-d1', git_repo: 'file:///srv/git/shop.git', buildpack_type: 'dockerfile' as const, image_tag: 'berth-app/web:d1' };

function setUp() {
  const store = new MemoryBuildStore();
  const queued: string[] = [];
  const queue: BuildQueue = {
    enqueue: async (id) => void queued.push(id),
    forget: async () => true,
    removeIfWaiting: async () => false,
    close: async () => undefined,
  };
  const service = new BuildService(
    store,
    queue,
    { allowFileUrls: true, allowedHosts: [], followPollMs: 5, secretBox: new SecretBox(randomBytes(32)) },
    winston.createLogger({ silent: true }),
  );
  return { store, queued, bridge: new ServiceBuildBridge(service, store, 5) };
}

/** Plays a worker: lines, then the end. */
async function finish(store: MemoryBuildStore, status: 'succeeded' | 'failed' | 'cancelled', lines: string[]): Promise<void> {
  await new Promise((r) => setTimeout(r, 15));
  await store.appendLog(
    'dep-d1',
    lines.map((text) => ({ time: new Date().toISOString(), text })),
  );
  const images = [
    { tag: 'berth-app/web:d1-worker', id: 'sha256:w' },
    { tag: 'berth-app/web:d1', id: 'sha256:main' },
  ];
  await store.transition('dep-d1', status, status === 'succeeded' ? { images, commit: 'abc' } : { error: { code: 'build_failed', message: 'step 3 failed' } });
}

describe('ServiceBuildBridge', () => {
  it('submits once, copies every log line from the given position and answers the image of the build tag', async () => {
    const { store, queued, bridge } = setUp();
    const lines: string[] = [];
    const done = finish(store, 'succeeded', ['one', 'two', 'three']);
    await expect(bridge.run(request, (l) => lines.push(l), 1, new AbortController().signal)).resolves.toEqual({ imageId: 'sha256:main', commit: 'abc' });
    await done;
    expect(lines).toEqual(['two', 'three']);
    expect(queued).toEqual(['dep-d1']);
    // Submitting the same id again is the same build: nothing new is queued once it ended.
    await expect(bridge.run(request, () => undefined, 0, new AbortController().signal)).resolves.toMatchObject({ imageId: 'sha256:main' });
    expect(queued).toEqual(['dep-d1']);
  });

  it('rejects with the build error code, and a cancelled build as build_cancelled', async () => {
    const failed = setUp();
    const run = failed.bridge.run(request, () => undefined, 0, new AbortController().signal);
    await finish(failed.store, 'failed', []);
    await expect(run).rejects.toMatchObject({ code: 'build_failed', message: 'step 3 failed' });
    const cancelled = setUp();
    const again = cancelled.bridge.run(request, () => undefined, 0, new AbortController().signal);
    await finish(cancelled.store, 'cancelled', []);
    await expect(again).rejects.toMatchObject({ code: 'build_cancelled' });
  });

  it('stops waiting with the signal’s reason, and cancel asks the build to stop', async () => {
    const { store, bridge } = setUp();
    const controller = new AbortController();
    const run = bridge.run(request, () => undefined, 0, controller.signal);
    await new Promise((r) => setTimeout(r, 15));
    controller.abort(new Error('cancelled'));
    await expect(run).rejects.toThrow('cancelled');
    await bridge.cancel('dep-d1');
    expect((await store.get('dep-d1'))?.cancelRequested).toBe(true);
    await store.transition('dep-d1', 'cancelled');
    await expect(bridge.cancel('dep-d1')).resolves.toBeUndefined();
  });
});

describe('ServiceBuildBridge: how soon a finished build is seen', () => {
  it('by default looks at a build that printed nothing new every 100 ms, and goes on at the first look after its end', async () => {
    const { store } = setUp();
    const service = new BuildService(
      store,
      { enqueue: async () => undefined, forget: async () => true, removeIfWaiting: async () => false, close: async () => undefined },
      { allowFileUrls: true, allowedHosts: [], followPollMs: 5, secretBox: new SecretBox(randomBytes(32)) },
      winston.createLogger({ silent: true }),
    );
    const waits: number[] = [];
    const bridge = new ServiceBuildBridge(service, store, undefined, async (ms) => {
      waits.push(ms);
      if (waits.length === 3) await finish(store, 'succeeded', []);
    });
    await expect(bridge.run(request, () => undefined, 0, new AbortController().signal)).resolves.toMatchObject({ imageId: 'sha256:main' });
    expect(waits).toEqual([BUILD_POLL_MS, BUILD_POLL_MS, BUILD_POLL_MS]);
    expect(BUILD_POLL_MS).toBeLessThanOrEqual(100);
  });
});

describe('exposedTcpPorts', () => {
  it('reads the TCP ports an image EXPOSEs', () => {
    expect(exposedTcpPorts({ '8080/tcp': {}, '53/udp': {}, '80': {}, 'x/tcp': {}, '70000/tcp': {} })).toEqual([80, 8080]);
    expect(exposedTcpPorts(undefined)).toEqual([]);
  });
});
