import winston from 'winston';
import type { ContainerDetails, ContainerSpec, LogLine } from '../engine/engine.port';
import { ConflictError, NotFoundError, ReleaseFailedError } from '../errors';
import { MemoryContainerRegistry } from '../services/testing/memory-container.registry';
import type { GateClock } from './health-gate';
import { clipLine } from './output-tail';
import { ReleaseRunner, type ReleaseEngine } from './release.runner';
import { DEFAULT_HEALTH_CHECK, type ReleaseSpec } from './release-spec';

/** Containers in memory; `running` decides what a started container does. */
class FakeEngine implements ReleaseEngine {
  readonly containers = new Map<string, { spec: ContainerSpec; details: ContainerDetails }>();
  readonly volumes: string[] = [];
  failCreate?: (spec: ContainerSpec) => Error | undefined;
  running = true;
  output: LogLine[] = [{ stream: 'stderr', text: 'boom' }];
  private next = 0;

  async ensureVolume(name: string): Promise<void> {
    this.volumes.push(name);
  }
  async createContainer(spec: ContainerSpec): Promise<{ id: string; name: string }> {
    const error = this.failCreate?.(spec);
    if (error) throw error;
    const id = `c${(this.next += 1)}`;
    const state = { status: 'created', running: false, exitCode: 0 };
    const details = { id, name: spec.name ?? id, state, restartCount: 0, ports: [] } as unknown as ContainerDetails;
    this.containers.set(id, { spec, details });
    return { id, name: spec.name ?? id };
  }
  async startContainer(id: string): Promise<void> {
    const c = this.get(id);
    c.details.state = { status: this.running ? 'running' : 'exited', running: this.running, exitCode: this.running ? 0 : 2 };
    if (this.running) c.details.ports = [{ containerPort: c.spec.ports[0]!.containerPort, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 41000 + Number(id.slice(1)) }];
  }
  async inspectContainer(id: string): Promise<ContainerDetails> {
    return this.get(id).details;
  }
  async containerLogs() {
    const lines = this.output;
    return {
      close: () => undefined,
      [Symbol.asyncIterator]: async function* () {
        yield* lines;
      },
    };
  }
  async stopContainer(id: string): Promise<void> {
    this.get(id);
  }
  async removeContainer(id: string): Promise<void> {
    this.get(id);
    this.containers.delete(id);
  }
  async listContainers(options: { labels: string[] }) {
    return [...this.containers.values()]
      .filter((c) => options.labels.every((l) => `${l.split('=')[0]}=${c.spec.labels[l.split('=')[0]!]}` === l))
      .map((c) => ({ id: c.details.id })) as never;
  }
  private get(id: string) {
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError('container', id);
    return c;
  }
}

/** Time moves only when the gate sleeps: no test waits. */
function steppedClock(): GateClock {
  let time = 0;
  return { now: () => time, sleep: async (ms) => void (time += ms) };
}
const spec = (over: Partial<ReleaseSpec> = {}): ReleaseSpec => ({
  app: 'shop',
  release: 4,
  image: 'berth/shop:1',
  env: {},
  port: 3000,
  setPortEnv: true,
  replicas: 3,
  volumes: { data: '/data' },
  healthCheck: { ...DEFAULT_HEALTH_CHECK },
  ...over,
});

function setUp(probeOk = true) {
  const engine = new FakeEngine();
  const registry = new MemoryContainerRegistry();
  const lines: string[] = [];
  const probe = async () => (probeOk ? { ok: true, status: 200 } : { ok: false, status: 500 });
  const runner = new ReleaseRunner(engine, registry, { instance: 'prod', clock: steppedClock(), probe }, winston.createLogger({ silent: true }));
  return { engine, registry, runner, lines, log: (l: string) => void lines.push(l) };
}

describe('ReleaseRunner', () => {
  it('records every replica it starts and answers where each listens', async () => {
    const { engine, registry, runner, log } = setUp();
    const replicas = await runner.start(spec(), log, new AbortController().signal);
    expect(replicas.map((r) => [r.replica, r.name, r.port])).toEqual([
      [1, 'berth-shop-r4-1', 41001],
      [2, 'berth-shop-r4-2', 41002],
      [3, 'berth-shop-r4-3', 41003],
    ]);
    expect([...registry.ids].sort()).toEqual(['c1', 'c2', 'c3']);
    expect(engine.volumes).toEqual(['berth-shop_data']);
  });

  it('removes the replicas it made when another cannot be created, and says why', async () => {
    const { engine, registry, runner, lines, log } = setUp();
    engine.failCreate = (s) => (s.name === 'berth-shop-r4-2' ? new ConflictError('name_conflict', 'taken', 'name') : undefined);
    await expect(runner.start(spec(), log, new AbortController().signal)).rejects.toMatchObject({ code: 'name_conflict' });
    expect(engine.containers.size).toBe(0);
    expect(registry.ids.size).toBe(0);
    expect(lines).toContain('removed 2 new container(s)');
  });

  it('fails an unhealthy release with its output, leaving nothing', async () => {
    const { engine, registry, runner, lines, log } = setUp(false);
    const failure = runner.start(spec({ replicas: 1, healthCheck: { ...DEFAULT_HEALTH_CHECK, gateSeconds: 1 } }), log, new AbortController().signal);
    await expect(failure).rejects.toBeInstanceOf(ReleaseFailedError);
    expect(lines).toContain('[replica 1] | boom');
    expect(engine.containers.size + registry.ids.size).toBe(0);
  });

  it('fails a replica that is down right after start without probing it', async () => {
    const { engine, runner, lines, log } = setUp();
    engine.running = false;
    await expect(runner.start(spec({ replicas: 1 }), log, new AbortController().signal)).rejects.toMatchObject({ code: 'replica_exited' });
    expect(lines).toContain('health check failed: replica 1 (berth-shop-r4-1) exited with code 2');
    expect(engine.containers.size).toBe(0);
  });

  it('throws the caller’s reason when cancelled, and creates nothing once cancelled', async () => {
    const { engine, runner, log } = setUp();
    const controller = new AbortController();
    controller.abort(new Error('superseded'));
    await expect(runner.start(spec(), log, controller.signal)).rejects.toThrow('superseded');
    expect(engine.containers.size).toBe(0);
  });

  it('stops and removes replicas, skipping those already gone; removes what a dead attempt left of a release', async () => {
    const { engine, registry, runner, log } = setUp();
    const replicas = await runner.start(spec({ replicas: 2 }), log, new AbortController().signal);
    await engine.removeContainer(replicas[0]!.containerId);
    await runner.stop(replicas, 1);
    expect(engine.containers.size + registry.ids.size).toBe(0);

    await runner.start(spec({ replicas: 2, release: 5 }), log, new AbortController().signal);
    await expect(runner.removeRelease('shop', 6)).resolves.toBe(0);
    await expect(runner.removeRelease('shop', 5)).resolves.toBe(2);
    expect(engine.containers.size + registry.ids.size).toBe(0);
  });

  it('tells the caller when the gate begins, after the replicas started', async () => {
    const { runner, lines, log } = setUp();
    await runner.start(spec({ replicas: 2 }), log, new AbortController().signal, { onHealthChecking: async () => void lines.push('<phase>') });
    expect(lines.slice(0, 4)).toEqual([
      expect.stringMatching(/^\[replica 1\] started/),
      expect.stringMatching(/^\[replica 2\] started/),
      '<phase>',
      expect.stringMatching(/^health check: GET/),
    ]);
    expect(lines.filter((l) => l === '<phase>')).toHaveLength(1);
  });

  it('one at a time: each replica passes the gate before the next starts; a failing one stops the rest', async () => {
    const { engine, runner, lines, log } = setUp();
    await runner.start(spec({ replicas: 2 }), log, new AbortController().signal, { oneAtATime: true });
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    expect(at('[replica 1] healthy')).toBeLessThan(at('[replica 2] started'));
    engine.failCreate = (s) => (s.name === 'berth-shop-r5-2' ? new ConflictError('name_conflict', 'taken', 'name') : undefined);
    engine.running = false;
    const before = engine.containers.size;
    await expect(runner.start(spec({ replicas: 2, release: 5 }), log, new AbortController().signal, { oneAtATime: true })).rejects.toMatchObject({
      code: 'replica_exited',
    });
    expect(engine.containers.size).toBe(before);
  });

  it('stops a release gracefully before removing it when given the seconds', async () => {
    const { engine, runner, log } = setUp();
    const stopped: string[] = [];
    engine.stopContainer = async (id: string) => void stopped.push(id);
    await runner.start(spec({ replicas: 2 }), log, new AbortController().signal);
    await expect(runner.removeRelease('shop', 4, 10)).resolves.toBe(2);
    expect(stopped.sort()).toEqual(['c1', 'c2']);
  });

  it('refuses a bad spec before touching the engine', async () => {
    const { engine, runner, log } = setUp();
    await expect(runner.start(spec({ replicas: 0 }), log, new AbortController().signal)).rejects.toMatchObject({ code: 'invalid_input', field: 'replicas' });
    expect(engine.volumes).toEqual([]);
  });
});

describe('clipLine', () => {
  it('keeps short lines and cuts long ones, saying how much went', () => {
    expect(clipLine('ok\r')).toBe('ok');
    expect(clipLine('x'.repeat(15), 10)).toBe(`${'x'.repeat(10)}… (5 more characters)`);
  });
});
