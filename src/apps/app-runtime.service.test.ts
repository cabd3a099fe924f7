import winston from 'winston';
import type { ContainerDetails, LogLine, LogOptions } from '../engine/engine.port';
import type { DeploymentRecord, ReleaseRecord } from '../deploys/deployment.record';
import type { GateClock } from '../deploys/health-gate';
import type { Prober } from '../deploys/http-probe';
import { DEFAULT_HEALTH_CHECK } from '../deploys/release-spec';
import { AppUnhealthyError, ConflictError, NodeUnavailableError, NotFoundError } from '../errors';
import type { AppRouting, RoutedServer, Slot } from '../proxy/app-routing.port';
import { MemoryContainerRegistry } from '../services/testing/memory-container.registry';
import type { AppRecord } from './app.record';
import { MAX_APP_LOG_LINES } from './app-logs';
import { EngineReplicaReader } from './app-replica.reader';
import { AppRuntimeService, type RuntimeEngine } from './app-runtime.service';

const INSTANCE = 'unit';

/** Containers in memory, labelled like replicas; each start publishes a new host port. */
class FakeEngine implements RuntimeEngine {
  readonly containers = new Map<string, ContainerDetails>();
  readonly output = new Map<string, LogLine[]>();
  readonly stops: Array<[string, number]> = [];
  /** What a started container does. */
  startsRunning = true;
  private port = 40000;

  add(app: string, release: number, replica: number, running = true): string {
    const id = `${app}-${release}-${replica}`;
    const labels = { 'berth.managed': 'true', 'berth.instance': INSTANCE, 'berth.app': app, 'berth.release': String(release), 'berth.replica': String(replica) };
    const details = { id, name: `berth-${app}-r${release}-${replica}`, labels, restartCount: 0, state: { status: 'created', running: false, exitCode: 0 }, ports: [] };
    this.containers.set(id, details as unknown as ContainerDetails);
    if (running) this.run(id);
    return id;
  }
  async listContainers(options: { labels: string[] }) {
    return [...this.containers.values()].filter((c) => options.labels.every((l) => `${l.split('=')[0]}=${c.labels[l.split('=')[0]!]}` === l)) as never;
  }
  async inspectContainer(id: string): Promise<ContainerDetails> {
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError('container', id);
    return c;
  }
  async startContainer(id: string): Promise<void> {
    const c = await this.inspectContainer(id);
    if (this.startsRunning) this.run(id);
    else c.state = { status: 'exited', running: false, exitCode: 1 };
  }
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = await this.inspectContainer(id);
    this.stops.push([id, timeoutSeconds]);
    c.state = { status: 'exited', running: false, exitCode: 0 };
    c.ports = [];
  }
  async containerLogs(id: string, options: LogOptions) {
    await this.inspectContainer(id);
    const lines = (this.output.get(id) ?? []).slice(-(options.tail ?? Infinity));
    return {
      close: () => undefined,
      [Symbol.asyncIterator]: async function* () {
        yield* lines;
      },
    };
  }
  private run(id: string): void {
    const c = this.containers.get(id)!;
    c.state = { status: 'running', running: true, exitCode: 0, startedAt: '2026-01-01T00:00:00Z' };
    c.ports = [{ containerPort: 3000, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: (this.port += 1) }];
  }
}

class FakeRouting implements AppRouting {
  readonly calls: string[] = [];
  readonly slots: Record<Slot, RoutedServer[]> = { a: [], b: [] };
  async addApp(): Promise<void> {}
  async removeApp(): Promise<void> {}
  async route(app: string, domains: readonly string[], slot: Slot): Promise<void> {
    this.calls.push(`route ${app} ${domains.join(',')} ${slot}`);
  }
  async unroute(app: string): Promise<void> {
    this.calls.push(`unroute ${app}`);
  }
  async stage(app: string, slot: Slot, servers: readonly RoutedServer[]): Promise<void> {
    this.calls.push(`stage ${app} ${slot} ${servers.map((s) => `${s.name}@${s.address}`).join(',')}`);
    this.slots[slot].push(...servers);
  }
  async drainSlot(app: string, slot: Slot, drainMs: number): Promise<void> {
    this.calls.push(`drain ${app} ${slot} ${drainMs}`);
    this.slots[slot] = [];
  }
  async servers(_app: string, slot: Slot): Promise<RoutedServer[]> {
    return this.slots[slot];
  }
  async routedSlot(): Promise<Slot | undefined> {
    return undefined;
  }
}

const app = (over: Partial<AppRecord> = {}): AppRecord => ({
  name: 'web',
  source: { type: 'image', image: 'berth-test/web:1' },
  config: {
    replicas: 2,
    volumes: {},
    healthCheck: { ...DEFAULT_HEALTH_CHECK, gateSeconds: 5 },
    strategy: 'start-first',
    drainSeconds: 7,
    envNames: [],
    secretsVersion: 1,
    port: 3000,
  },
  domains: ['web.example.test'],
  buildEnvNames: [],
  hasCredentials: false,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 3,
  liveRelease: 2,
  liveSlot: 'b',
  ...over,
});

function setup(record: AppRecord | undefined = app()) {
  const engine = new FakeEngine();
  const registry = new MemoryContainerRegistry();
  const routing = new FakeRouting();
  const records = new Map<string, AppRecord>(record ? [[record.name, record]] : []);
  const active: DeploymentRecord[] = [];
  let conflicts = 0;
  const apps = {
    get: async (name: string) => records.get(name),
    update: async (next: AppRecord, expected: number) => {
      if (conflicts > 0) {
        conflicts -= 1;
        return false;
      }
      if (records.get(next.name)?.version !== expected || next.version !== expected + 1) return false;
      records.set(next.name, next);
      return true;
    },
  };
  const release = { app: 'web', number: 2, port: 3000, config: app().config } as ReleaseRecord;
  const releases = { get: async (_app: string, n: number) => (n === 2 ? release : undefined) };
  let healthy = true;
  const probe: Prober = async () => (healthy ? { ok: true, status: 200 } : { ok: false, status: 500 });
  let time = 0;
  const clock: GateClock = { now: () => time, sleep: async (ms) => void (time += ms) };
  const reader = new EngineReplicaReader(engine, registry, releases, { instance: INSTANCE, probe });
  // A second node, `edge` at 10.0.0.5; any other node is down.
  const edge = { engine: new FakeEngine(), registry: new MemoryContainerRegistry() };
  const edgeReader = new EngineReplicaReader(edge.engine, edge.registry, releases, { instance: INSTANCE, probe, address: '10.0.0.5' });
  const nodes = async (node: string) => {
    if (node === 'edge') return { reader: edgeReader, engine: edge.engine };
    throw new NodeUnavailableError(node, 'connect ECONNREFUSED');
  };
  const service = new AppRuntimeService(apps, { active: async () => active }, reader, routing, engine, { probe, clock }, winston.createLogger({ silent: true }), nodes);
  const replica = async (release: number, n: number, running = true) => {
    const id = engine.add('web', release, n, running);
    await registry.add(id);
    return id;
  };
  return {
    engine,
    edge,
    registry,
    routing,
    records,
    active,
    service,
    replica,
    conflictNext: (n: number) => void (conflicts = n),
    unhealthy: () => void (healthy = false),
  };
}

describe('AppRuntimeService.status', () => {
  it('lists live replicas first with addresses and health, and says running', async () => {
    const t = setup();
    await t.replica(2, 2);
    await t.replica(2, 1);
    await t.replica(1, 1);
    const view = await t.service.status('web');
    expect(view.status).toBe('running');
    expect(view.live_release).toBe(2);
    expect(view.replicas.map((r) => [r.release, r.replica, r.live, r.state, r.health])).toEqual([
      [2, 1, true, 'running', 'healthy'],
      [2, 2, true, 'running', 'healthy'],
      [1, 1, false, 'running', undefined],
    ]);
    expect(view.replicas[0]?.address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('ignores containers Berth did not record, and shows a replica without a container as missing', async () => {
    const t = setup();
    await t.replica(2, 1);
    t.engine.add('web', 2, 2); // labelled like a replica, never recorded
    const view = await t.service.status('web');
    expect(view.replicas.map((r) => [r.replica, r.state, r.container_id === undefined])).toEqual([
      [1, 'running', false],
      [2, 'missing', true],
    ]);
    expect(view.status).toBe('degraded');
  });

  it('says crashed, deploying and stopped', async () => {
    const t = setup();
    const one = await t.replica(2, 1);
    const two = await t.replica(2, 2);
    await t.engine.stopContainer(one, 0);
    await t.engine.stopContainer(two, 0);
    expect((await t.service.status('web')).status).toBe('crashed');
    t.active.push({ id: 'd1', status: 'building' } as DeploymentRecord);
    expect((await t.service.status('web')).status).toBe('deploying');
    t.records.set('web', app({ stopped: true }));
    expect((await t.service.status('web')).status).toBe('stopped');
  });

  it('answers 404 for an unknown app or a name no app can have', async () => {
    const t = setup();
    await expect(t.service.status('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.service.status('../x')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('AppRuntimeService.read', () => {
  it('gives the app views the live replicas with a container, and whether a deployment runs', async () => {
    const t = setup();
    const one = await t.replica(2, 1);
    await t.replica(1, 1);
    const read = await t.service.read(t.records.get('web')!);
    expect(read).toEqual({
      deploying: false,
      replicas: [{ replica: 1, containerId: one, state: 'running', restarts: 0, address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) }],
      // The same rule as GET .../status: the live release's other replica has no container.
      status: 'degraded',
    });
    t.active.push({ id: 'd1', status: 'queued' } as DeploymentRecord);
    expect(await t.service.read(t.records.get('web')!)).toMatchObject({ deploying: true, status: 'deploying' });
  });
});

describe('AppRuntimeService.logs', () => {
  it('merges the live replicas by time, tags each line, and leaves other releases out', async () => {
    const t = setup();
    const one = await t.replica(2, 1);
    const two = await t.replica(2, 2);
    const old = await t.replica(1, 1);
    t.engine.output.set(one, [
      { stream: 'stdout', text: '2026-01-01T00:00:01.000000001Z a' },
      { stream: 'stderr', text: '2026-01-01T00:00:03Z c' },
    ]);
    t.engine.output.set(two, [{ stream: 'stdout', text: '2026-01-01T00:00:02Z b' }]);
    t.engine.output.set(old, [{ stream: 'stdout', text: '2026-01-01T00:00:02Z old' }]);
    const logs = await t.service.logs('web', {});
    expect(logs).toEqual({
      app: 'web',
      release: 2,
      truncated: false,
      lines: [
        { replica: 1, stream: 'stdout', time: '2026-01-01T00:00:01.000000001Z', text: 'a' },
        { replica: 2, stream: 'stdout', time: '2026-01-01T00:00:02Z', text: 'b' },
        { replica: 1, stream: 'stderr', time: '2026-01-01T00:00:03Z', text: 'c' },
      ],
    });
    expect((await t.service.logs('web', { tail: '1' })).lines.map((l) => l.text)).toEqual(['c']);
  });

  it('holds at most MAX_APP_LOG_LINES lines, the newest, and says it left older ones out', async () => {
    const t = setup();
    const ids = [await t.replica(2, 1), await t.replica(2, 2)];
    const at = (i: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000).toISOString();
    ids.forEach((id, r) =>
      t.engine.output.set(
        id,
        Array.from({ length: 6000 }, (_, i) => ({ stream: 'stdout' as const, text: `${at(2 * i + r)} ${r}:${i}` })),
      ),
    );
    const logs = await t.service.logs('web', {});
    expect(logs.lines).toHaveLength(MAX_APP_LOG_LINES);
    expect(logs.truncated).toBe(true);
    expect(logs.lines[0]?.text).toBe('0:1000');
    expect(logs.lines[logs.lines.length - 1]?.text).toBe('1:5999');
    expect((await t.service.logs('web', { tail: '3' })).lines.map((l) => l.text)).toEqual(['1:5998', '0:5999', '1:5999']);
    expect((await t.service.logs('web', { tail: '3' })).truncated).toBe(false);
  });

  it('names the bad query field', async () => {
    const t = setup();
    await expect(t.service.logs('web', { tail: 'many' })).rejects.toMatchObject({ code: 'invalid_input', field: 'tail' });
    await expect(t.service.logs('web', { since: 'yesterday' })).rejects.toMatchObject({ code: 'invalid_input', field: 'since' });
  });

  it('follows every live replica and ends with their states', async () => {
    const t = setup();
    const one = await t.replica(2, 1);
    await t.replica(2, 2);
    t.engine.output.set(one, [{ stream: 'stdout', text: '2026-01-01T00:00:01Z hi' }]);
    const events = [];
    for await (const e of await t.service.followLogs('web', {}, new AbortController().signal)) events.push(e);
    expect(events).toEqual([
      { event: 'log', data: { replica: 1, stream: 'stdout', time: '2026-01-01T00:00:01Z', text: 'hi' } },
      {
        event: 'end',
        data: {
          replicas: [
            { replica: 1, state: 'running', exit_code: 0 },
            { replica: 2, state: 'running', exit_code: 0 },
          ],
        },
      },
    ]);
  });
});

describe('AppRuntimeService.stop and start', () => {
  it('stops: marks the record, unroutes, drains the live slot and stops live replicas with the drain time', async () => {
    const t = setup();
    const one = await t.replica(2, 1);
    const two = await t.replica(2, 2);
    await t.replica(1, 1);
    expect(await t.service.stop('web')).toEqual({ app: 'web', status: 'stopped', changed: true });
    expect(t.records.get('web')).toMatchObject({ stopped: true, version: 4 });
    expect(t.routing.calls).toEqual(['unroute web', 'drain web b 7000']);
    expect(t.engine.stops.sort()).toEqual([
      [one, 7],
      [two, 7],
    ]);
    expect(await t.service.stop('web')).toEqual({ app: 'web', status: 'stopped', changed: false });
    expect(t.records.get('web')?.version).toBe(4);
  });

  it('retries the record update when another writer got in first', async () => {
    const t = setup();
    t.conflictNext(2);
    await t.service.stop('web');
    expect(t.records.get('web')?.stopped).toBe(true);
    t.conflictNext(10);
    await expect(t.service.start('web')).rejects.toMatchObject({ code: 'state_conflict' });
  });

  it('starts: replicas up at new ports, gated, staged again in the live slot and routed, then the record is cleared', async () => {
    const t = setup();
    await t.replica(2, 1);
    await t.replica(2, 2);
    await t.service.stop('web');
    t.routing.slots.b.push({ name: 'r2-1', address: '127.0.0.1:1' });
    t.routing.calls.length = 0;
    expect(await t.service.start('web')).toEqual({ app: 'web', status: 'running', changed: true });
    const ports = [...t.engine.containers.values()].map((c) => c.ports[0]?.hostPort);
    expect(t.routing.calls).toEqual(['drain web b 0', `stage web b r2-1@127.0.0.1:${ports[0]},r2-2@127.0.0.1:${ports[1]}`, 'route web web.example.test b']);
    expect(t.records.get('web')?.stopped).toBeUndefined();
    expect((await t.service.status('web')).status).toBe('running');
  });

  it('a start of a running app changes nothing', async () => {
    const t = setup();
    await t.replica(2, 1);
    await t.replica(2, 2);
    expect(await t.service.start('web')).toEqual({ app: 'web', status: 'running', changed: false });
    expect(t.routing.calls).toEqual([]);
    expect(t.records.get('web')?.version).toBe(3);
  });

  it('an unhealthy start stops the replicas again, keeps the app stopped and says why', async () => {
    const t = setup();
    await t.replica(2, 1);
    await t.replica(2, 2);
    await t.service.stop('web');
    t.unhealthy();
    const failure = t.service.start('web');
    await expect(failure).rejects.toBeInstanceOf(AppUnhealthyError);
    await expect(failure).rejects.toMatchObject({ code: 'app_unhealthy', details: { log: expect.arrayContaining([expect.stringMatching(/HTTP 500/)]) } });
    expect(t.records.get('web')?.stopped).toBe(true);
    expect(t.routing.calls.filter((c) => c.startsWith('route'))).toEqual([]);
    expect([...t.engine.containers.values()].every((c) => !c.state.running)).toBe(true);
  });

  it('a replica that exits at start fails the start', async () => {
    const t = setup();
    await t.replica(2, 1);
    await t.replica(2, 2);
    await t.service.stop('web');
    t.engine.startsRunning = false;
    await expect(t.service.start('web')).rejects.toMatchObject({ code: 'app_unhealthy', message: expect.stringMatching(/exited with code 1/) });
  });

  it('a start whose containers are gone answers 409', async () => {
    const t = setup();
    const one = await t.replica(2, 1);
    await t.service.stop('web');
    t.engine.containers.delete(one);
    await expect(t.service.start('web')).rejects.toMatchObject({ code: 'state_conflict', message: expect.stringMatching(/deploy web again/) });
  });

  it('refuses both while a deployment is active, and answers 404 for an unknown app', async () => {
    const t = setup();
    t.active.push({ id: 'd9', status: 'switching' } as DeploymentRecord);
    await expect(t.service.stop('web')).rejects.toBeInstanceOf(ConflictError);
    await expect(t.service.start('web')).rejects.toMatchObject({ code: 'state_conflict', message: expect.stringMatching(/d9/) });
    expect(t.records.get('web')?.stopped).toBeUndefined();
    await expect(t.service.stop('other')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a never-deployed app stops and starts without touching containers', async () => {
    const t = setup(app({ liveRelease: undefined, liveSlot: undefined }));
    await t.service.stop('web');
    expect(await t.service.start('web')).toEqual({ app: 'web', status: 'new', changed: true });
    expect(t.routing.calls).toEqual(['unroute web']);
  });
});

describe('AppRuntimeService on a node', () => {
  it('reads, probes and stops the replicas on the node of the live release, at its address', async () => {
    const t = setup(app({ liveNode: 'edge' }));
    const id = t.edge.engine.add('web', 2, 1);
    await t.edge.registry.add(id);
    await t.replica(2, 2); // a container of the same name on local is not the app's replica
    const view = await t.service.status('web');
    expect(view.replicas.map((r) => [r.replica, r.container_id, r.health, r.address?.split(':')[0]])).toEqual([
      [1, id, 'healthy', '10.0.0.5'],
      [2, undefined, undefined, undefined],
    ]);
    await t.service.stop('web');
    expect(t.edge.engine.stops).toEqual([[id, 7]]);
    expect(t.engine.stops).toEqual([]);
  });

  it('answers node_unavailable naming the node when the live release runs on a node that is down', async () => {
    const t = setup(app({ liveNode: 'gone' }));
    await expect(t.service.status('web')).rejects.toThrow(new NodeUnavailableError('gone', 'connect ECONNREFUSED'));
  });

  it('shows an app whose node is down as degraded, without replicas, in the app views (a listing never fails for it)', async () => {
    const t = setup(app({ liveNode: 'gone' }));
    expect(await t.service.read(t.records.get('web')!)).toEqual({ deploying: false, replicas: [], status: 'degraded' });
  });
});
