import { createLogger } from '../logging/logger';
import { NotFoundError } from '../errors';
import type { LogLine, RunContainerSpec, RunEngine, RunOutcome } from '../engine/engine.port';
import { RunService, type RunServiceOptions } from './run.service';
import { MemoryRunStore } from './testing/memory-run.store';

/** A RunEngine in memory: each run prints `lines` and exits with `exitCode`, or hangs until killed. */
class FakeRunEngine implements RunEngine {
  readonly created: RunContainerSpec[] = [];
  readonly removed: string[] = [];
  readonly containers = new Map<string, Record<string, string>>();
  images = new Set(['busybox:1']);
  behaviour: { lines: LogLine[]; exitCode: number; hang?: boolean } = { lines: [], exitCode: 0 };

  async createRunContainer(spec: RunContainerSpec) {
    this.created.push(spec);
    const id = `c${this.created.length}`;
    this.containers.set(id, spec.labels);
    return { id };
  }

  async runContainer(_id: string, _stdin: string | undefined, onLine: (l: LogLine) => void, options: { signal: AbortSignal }): Promise<RunOutcome> {
    this.behaviour.lines.forEach(onLine);
    if (this.behaviour.hang) await new Promise((resolve) => options.signal.addEventListener('abort', resolve, { once: true }));
    return { exitCode: options.signal.aborted ? 137 : this.behaviour.exitCode, oomKilled: false, outputCut: false };
  }

  async removeContainer(id: string) {
    this.removed.push(id);
    this.containers.delete(id);
  }

  async listContainers(options: { labels: string[] }) {
    const match = (labels: Record<string, string>) =>
      options.labels.every((l) => {
        const [k, v] = l.split('=') as [string, string | undefined];
        return k in labels && (v === undefined || labels[k] === v);
      });
    return [...this.containers].filter(([, labels]) => match(labels)).map(([id, labels]) => ({ id, labels }));
  }

  async inspectImage(ref: string) {
    if (!this.images.has(ref)) throw new NotFoundError('image', ref, 'image');
    return { id: 'sha256:1', tags: [ref], labels: {}, created: '', size: 1 };
  }
}

const OPTIONS: RunServiceOptions = {
  instance: 'unit',
  defaultTimeoutSeconds: 30,
  maxTimeoutSeconds: 60,
  maxStdinBytes: 16,
  maxWaitSeconds: 5,
  maxOutputBytes: 10,
  maxConcurrent: 1,
  pidsLimit: 64,
  defaultMemoryBytes: 64 * 1024 * 1024,
  flushMs: 1,
  followPollMs: 5,
};

function setUp(options: Partial<RunServiceOptions> = {}) {
  const store = new MemoryRunStore();
  const engine = new FakeRunEngine();
  const service = new RunService(store, engine, { ...OPTIONS, ...options }, createLogger({ level: 'error', format: 'json' }, 'unit'));
  return { store, engine, service };
}

describe('RunService', () => {
  it('runs to the end with wait: exit code, streams apart, limits and labels on the container, container removed', async () => {
    const { engine, service } = setUp();
    engine.behaviour = {
      lines: [
        { stream: 'stdout', text: 'out' },
        { stream: 'stderr', text: 'err' },
      ],
      exitCode: 2,
    };
    const { ended, run } = await service.submit({ image: 'busybox:1', command: ['false'], stdin: 'x' }, true);
    expect(ended).toBe(true);
    expect(run).toMatchObject({ status: 'failed', exit_code: 2, stdout: 'out', stderr: 'err', memory_bytes: 64 * 1024 * 1024, network: 'none' });
    expect(engine.created[0]).toMatchObject({ pidsLimit: 64, network: 'none', capAdd: [], stdin: 'x', labels: { 'berth.run': run.id, 'berth.instance': 'unit' } });
    expect(engine.removed).toEqual(['c1']);
  });

  it('cuts each stream at the cap and says so', async () => {
    const { engine, service } = setUp();
    engine.behaviour = {
      lines: [
        { stream: 'stdout', text: '12345' },
        { stream: 'stdout', text: '67890abc' },
        { stream: 'stderr', text: 'e' },
      ],
      exitCode: 0,
    };
    const { run } = await service.submit({ image: 'busybox:1', command: ['x'] }, true);
    expect(run).toMatchObject({ stdout: '12345\n678', stdout_truncated: true, stderr: 'e', stderr_truncated: false });
    expect(run.truncation_notice).toMatch(/^stdout cut at 10 bytes/);
  });

  it('cancel kills a running run: cancelled, container removed; a second cancel and a delete of a running one are 409', async () => {
    const { engine, service } = setUp();
    engine.behaviour = { lines: [], exitCode: 0, hang: true };
    const { run } = await service.submit({ image: 'busybox:1', command: ['sleep', '9'] }, false);
    await expect(service.remove(run.id)).rejects.toMatchObject({ code: 'state_conflict' });
    await new Promise((r) => setTimeout(r, 10));
    expect(await service.cancel(run.id)).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect(engine.removed).toEqual(['c1']);
    await expect(service.cancel(run.id)).rejects.toMatchObject({ code: 'state_conflict' });
    await service.remove(run.id);
    await expect(service.get(run.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a timeout ends the run as timeout', async () => {
    const { engine, service } = setUp();
    engine.behaviour = { lines: [], exitCode: 0, hang: true };
    const { run } = await service.submit({ image: 'busybox:1', command: ['sleep', '9'], timeout_seconds: 1 }, true);
    expect(run).toMatchObject({ status: 'timeout', error: { code: 'timeout' } });
    expect(run.exit_code).toBeUndefined();
    expect(engine.removed).toEqual(['c1']);
  });

  it('wait answers the running run when max_wait_seconds pass first', async () => {
    const { engine, service } = setUp({ maxWaitSeconds: 0 });
    engine.behaviour = { lines: [], exitCode: 0, hang: true };
    const { ended, run } = await service.submit({ image: 'busybox:1', command: ['sleep', '9'] }, true);
    expect(ended).toBe(false);
    expect(['queued', 'running']).toContain(run.status);
    await service.close();
    expect(await service.get(run.id)).toMatchObject({ status: 'lost' });
  });

  it('queues runs past max_concurrent and starts them in turn', async () => {
    const { engine, service } = setUp();
    engine.behaviour = { lines: [], exitCode: 0, hang: true };
    const first = (await service.submit({ image: 'busybox:1', command: ['a'] }, false)).run;
    const second = (await service.submit({ image: 'busybox:1', command: ['b'] }, false)).run;
    await new Promise((r) => setTimeout(r, 10));
    expect((await service.get(second.id)).status).toBe('queued');
    engine.behaviour = { lines: [], exitCode: 0 };
    await service.cancel(first.id);
    await new Promise((r) => setTimeout(r, 20));
    expect((await service.get(second.id)).status).toBe('succeeded');
  });

  it('refuses a missing image with 404 naming it, and stores nothing', async () => {
    const { store, service } = setUp();
    await expect(service.submit({ image: 'nope:1', command: ['x'] }, false)).rejects.toMatchObject({
      code: 'not_found',
      field: 'image',
      message: expect.stringContaining('nope:1'),
    });
    expect(store.records.size).toBe(0);
  });

  it('recover marks runs of a stopped process lost and removes their containers only', async () => {
    const { store, engine, service } = setUp();
    const spec = { id: '00000000-0000-4000-8000-000000000001', image: 'busybox:1', command: ['x'], env: {}, timeoutSeconds: 5, network: 'none' as const, capAdd: [] };
    await store.create({ id: spec.id, spec, status: 'running', createdAt: new Date().toISOString(), stdoutTruncated: false, stderrTruncated: false });
    engine.containers.set('left', { 'berth.run': spec.id, 'berth.instance': 'unit' });
    engine.containers.set('other', { 'berth.run': 'x', 'berth.instance': 'another' });
    await service.recover();
    expect(await service.get(spec.id)).toMatchObject({ status: 'lost', error: { code: 'lost' } });
    expect(engine.removed).toEqual(['left']);
  });
});
