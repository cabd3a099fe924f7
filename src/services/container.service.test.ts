import winston from 'winston';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors';
import type {
  ContainerDetails,
  ContainerEngine,
  ContainerSpec,
  ContainerSummary,
  EngineCounts,
  EngineVersion,
  ImageBuildSpec,
  ImageDetails,
  LogLine,
  LogOptions,
  LogStream,
} from '../engine/engine.port';
import { MemoryContainerRegistry } from './testing/memory-container.registry';
import { ContainerService, type ContainerServiceOptions } from './container.service';

/** An in-memory engine: containers by id, and a record of every call that changes something. */
class FakeEngine implements ContainerEngine {
  readonly containers: ContainerDetails[] = [];
  readonly calls: string[] = [];
  readonly listCalls: Array<{ all: boolean; labels: string[] }> = [];
  readonly created: ContainerSpec[] = [];
  logLines: LogLine[] = [];

  async ping(): Promise<void> {}

  async version(): Promise<EngineVersion> {
    return { engine: 'docker', version: 'fake', apiVersion: '1.45', os: 'linux', arch: 'amd64' };
  }

  async counts(): Promise<EngineCounts> {
    const running = this.containers.filter((c) => c.state.running).length;
    return { containers: this.containers.length, running, paused: 0, stopped: this.containers.length - running, images: 0 };
  }

  async listContainers(options: { all: boolean; labels: string[] }): Promise<ContainerSummary[]> {
    this.listCalls.push(options);
    return this.containers
      .filter((c) => options.all || c.state.running)
      .filter((c) =>
        options.labels.every((l) => {
          const [k = '', v] = l.split('=');
          return c.labels[k] === v;
        }),
      )
      .map((c) => ({ id: c.id, name: c.name, image: c.image, state: c.state.status, status: c.state.status, created: c.created, labels: c.labels, ports: c.ports }));
  }

  async inspectContainer(ref: string): Promise<ContainerDetails> {
    const found = this.containers.find((c) => c.id.startsWith(ref) || c.name === ref);
    if (!found) throw new NotFoundError('container', ref);
    return found;
  }

  async createContainer(spec: ContainerSpec): Promise<{ id: string; name: string }> {
    this.created.push(spec);
    const c = details({ id: `new${this.created.length}`.padEnd(64, '0'), name: spec.name ?? 'generated', labels: spec.labels, ports: spec.ports, running: false });
    this.containers.push(c);
    return { id: c.id, name: c.name };
  }

  async startContainer(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    this.setRunning(id, true);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    this.calls.push(`stop ${id} ${timeoutSeconds}`);
    this.setRunning(id, false);
  }

  async restartContainer(id: string, timeoutSeconds: number): Promise<void> {
    this.calls.push(`restart ${id} ${timeoutSeconds}`);
    this.setRunning(id, true);
  }

  async removeContainer(id: string, options: { force: boolean }): Promise<void> {
    this.calls.push(`remove ${id} force=${options.force}`);
    this.containers.splice(
      this.containers.findIndex((c) => c.id === id),
      1,
    );
  }

  async containerLogs(id: string, options: LogOptions): Promise<LogStream> {
    this.calls.push(`logs ${id} ${JSON.stringify(options)}`);
    const lines = this.logLines;
    return {
      close: () => undefined,
      [Symbol.asyncIterator]: async function* () {
        yield* lines;
      },
    };
  }

  async buildImage(spec: ImageBuildSpec): Promise<{ imageId: string }> {
    this.calls.push(`build ${spec.tag}`);
    return { imageId: 'sha256:built' };
  }

  async inspectImage(ref: string): Promise<ImageDetails> {
    throw new NotFoundError('image', ref, 'image');
  }

  async removeImage(ref: string): Promise<void> {
    this.calls.push(`remove image ${ref}`);
  }

  private setRunning(id: string, running: boolean): void {
    const c = this.containers.find((x) => x.id === id);
    if (c) c.state = { ...c.state, running, status: running ? 'running' : 'exited' };
  }
}

function details(o: { id: string; name: string; labels: Record<string, string>; running: boolean; ports?: ContainerDetails['ports'] }): ContainerDetails {
  return {
    id: o.id,
    name: o.name,
    image: 'nginx:alpine',
    imageId: 'sha256:0',
    command: ['nginx'],
    state: { status: o.running ? 'running' : 'exited', running: o.running, exitCode: 0 },
    created: '2024-01-01T00:00:00Z',
    restartCount: 0,
    restartPolicy: 'no',
    envNames: [],
    labels: o.labels,
    ports: o.ports ?? [],
    tty: false,
  };
}

const OURS = { 'berth.managed': 'true', 'berth.instance': 'default' };
const SELF_ID = 'f'.repeat(64);
const PROJECT = { 'com.docker.compose.project': 'berth' };

function setup(options: Partial<ContainerServiceOptions> = {}) {
  const engine = new FakeEngine();
  engine.containers.push(
    details({ id: 'a'.repeat(64), name: 'ours', labels: OURS, running: true }),
    details({ id: 'b'.repeat(64), name: 'foreign', labels: {}, running: true }),
    details({ id: 'c'.repeat(64), name: 'other-instance', labels: { 'berth.managed': 'true', 'berth.instance': 'staging' }, running: false }),
    details({ id: 'd'.repeat(64), name: 'berth-redis', labels: { ...PROJECT, 'berth.system': 'true' }, running: true }),
    details({ id: SELF_ID, name: 'berth-api', labels: { ...PROJECT, 'berth.system': 'true' }, running: true }),
    // Berth's labels written by someone else (or by an image): not in the record.
    details({ id: '9'.repeat(64), name: 'forged', labels: { ...OURS, 'berth.system': 'true' }, running: true }),
  );
  const registry = new MemoryContainerRegistry();
  registry.ids.add('a'.repeat(64));
  const service = new ContainerService(
    engine,
    registry,
    { instance: 'default', manageAll: false, stopTimeoutSeconds: 7, ...options },
    winston.createLogger({ silent: true }),
  );
  return { engine, registry, service };
}

describe('ContainerService', () => {
  describe('containers it does not manage', () => {
    it.each(['foreign', 'other-instance', 'forged'])('answers not_found for %s and does not touch it', async (name) => {
      const { engine, service } = setup();
      await expect(service.inspect(name)).rejects.toThrow(NotFoundError);
      await expect(service.stop(name)).rejects.toThrow(NotFoundError);
      await expect(service.start(name)).rejects.toThrow(NotFoundError);
      await expect(service.remove(name, true)).rejects.toThrow(NotFoundError);
      await expect(service.logs(name, {})).rejects.toThrow(NotFoundError);
      expect(engine.calls).toEqual([]);
    });

    it('acts on them with manageAll, and says they are not managed', async () => {
      const { engine, service } = setup({ manageAll: true });
      expect(await service.inspect('foreign')).toMatchObject({ name: 'foreign', managed: false });
      expect(await service.stop('foreign')).toEqual({ id: 'b'.repeat(64), state: 'exited' });
      expect(engine.calls).toEqual([`stop ${'b'.repeat(64)} 7`]);
    });

    it('shows its own containers as managed', async () => {
      const { service } = setup();
      expect(await service.inspect('ours')).toMatchObject({ id: 'a'.repeat(64), managed: true, state: { running: true, status: 'running' } });
    });
  });

  describe("Berth's own containers", () => {
    it('hides them without manageAll, as any container it did not create', async () => {
      const { engine, service } = setup({ selfContainerId: SELF_ID });
      await expect(service.stop('berth-redis')).rejects.toThrow(NotFoundError);
      expect(engine.calls).toEqual([]);
    });

    it('refuses stop, restart and remove of berth.system containers of its compose project, even with manageAll', async () => {
      const { engine, service } = setup({ manageAll: true, selfContainerId: SELF_ID });
      await expect(service.stop('berth-redis')).rejects.toThrow(ForbiddenError);
      await expect(service.stop('berth-redis')).rejects.toThrow('container berth-redis is part of Berth itself and cannot be stopped through the API');
      await expect(service.restart('berth-redis')).rejects.toThrow(ForbiddenError);
      await expect(service.restart('berth-redis')).rejects.toThrow('cannot be restarted through the API');
      await expect(service.remove('berth-redis', true)).rejects.toThrow(ForbiddenError);
      await expect(service.remove('berth-redis', true)).rejects.toThrow('cannot be removed through the API');
      expect(engine.calls).toEqual([]);
    });

    it('refuses to stop the container Berth runs in', async () => {
      const { engine, service } = setup({ manageAll: true, selfContainerId: SELF_ID });
      await expect(service.stop('berth-api')).rejects.toThrow(ForbiddenError);
      await expect(service.remove('berth-api', true)).rejects.toThrow(ForbiddenError);
      expect(engine.calls).toEqual([]);
    });

    it('still lets them be inspected', async () => {
      const { service } = setup({ manageAll: true, selfContainerId: SELF_ID });
      await expect(service.inspect('berth-redis')).resolves.toMatchObject({ name: 'berth-redis', managed: false });
    });

    it('takes no label alone as proof: berth.system outside its compose project, or outside any, is not Berth', async () => {
      const { engine, service } = setup({ manageAll: true, selfContainerId: SELF_ID });
      engine.containers.push(
        details({ id: '8'.repeat(64), name: 'other-project', labels: { 'com.docker.compose.project': 'shop', 'berth.system': 'true' }, running: true }),
      );
      await service.stop('forged');
      await service.stop('other-project');
      const outside = setup({ manageAll: true });
      await outside.service.stop('berth-redis');
      expect([...engine.calls, ...outside.engine.calls]).toEqual([`stop ${'9'.repeat(64)} 7`, `stop ${'8'.repeat(64)} 7`, `stop ${'d'.repeat(64)} 7`]);
    });

    it('never counts a container it created as its own system container, whatever the image says', async () => {
      const { engine, service } = setup({ selfContainerId: SELF_ID });
      const created = await service.create({ image: 'alpine' });
      expect(engine.created[0]?.labels['berth.system']).toBe('false');
      // What the engine does: the image's labels under the container's.
      const c = engine.containers.find((x) => x.id === created.id)!;
      c.labels = { ...PROJECT, 'berth.system': 'true', ...engine.created[0]!.labels };
      await service.remove(created.id, true);
      expect(engine.calls).toEqual([`remove ${created.id} force=true`]);
    });
  });

  describe('remove', () => {
    it('refuses a running container without force', async () => {
      const { engine, service } = setup();
      const err = await service.remove('ours', false).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).code).toBe('state_conflict');
      expect(engine.calls).toEqual([]);
    });

    it('removes a running container with force, and a stopped one without', async () => {
      const { engine, service } = setup();
      await service.remove('ours', true);
      expect(engine.calls).toEqual([`remove ${'a'.repeat(64)} force=true`]);
      const created = await service.create({ image: 'alpine' });
      await service.remove(created.id, false);
      expect(engine.containers.some((c) => c.id === created.id)).toBe(false);
    });
  });

  describe('the record of what it created', () => {
    it('records a created container and forgets a removed one', async () => {
      const { registry, service } = setup();
      const created = await service.create({ image: 'alpine' });
      expect(registry.ids.has(created.id)).toBe(true);
      expect(await service.inspect(created.id)).toMatchObject({ managed: true });
      await service.remove(created.id, true);
      expect(registry.ids.has(created.id)).toBe(false);
    });

    it('removes the new container again when it cannot be recorded', async () => {
      const { engine, registry, service } = setup();
      registry.add = async () => {
        throw new Error('redis down');
      };
      await expect(service.create({ image: 'alpine', name: 'lost' })).rejects.toThrow('redis down');
      expect(engine.containers.some((c) => c.name === 'lost')).toBe(false);
    });
  });

  describe('start', () => {
    const holder = (running: boolean) =>
      details({ id: 'e'.repeat(64), name: 'holder', labels: {}, running, ports: [{ containerPort: 80, protocol: 'tcp', hostPort: 8080 }] });

    it('answers port_conflict before asking the engine when a running container publishes its host port', async () => {
      const { engine, service } = setup();
      engine.containers.push(holder(true));
      const created = await service.create({ image: 'alpine', ports: { '9090': '80' } });
      engine.containers.find((c) => c.id === created.id)!.ports = [{ containerPort: 80, protocol: 'tcp', hostPort: 8080 }];
      const err = await service.start(created.id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).code).toBe('port_conflict');
      await expect(service.restart(created.id)).rejects.toThrow(ConflictError);
      expect(engine.calls).toEqual([]);
    });

    it('lets only one of two containers on the same host port start when both are started at once', async () => {
      const { engine, service } = setup();
      const a = await service.create({ image: 'alpine', ports: { '8080': '80' } });
      const b = await service.create({ image: 'alpine', ports: { '8080': '80' } });
      const results = await Promise.allSettled([service.start(a.id), service.start(b.id)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      expect(engine.calls).toEqual([`start ${a.id}`]);
    });

    it('starts when the holder is stopped, and a running container does not conflict with itself', async () => {
      const { engine, service } = setup();
      engine.containers.push(holder(false));
      const created = await service.create({ image: 'alpine', ports: { '8080': '80' } });
      await service.start(created.id);
      await service.restart(created.id);
      expect(engine.calls).toEqual([`start ${created.id}`, `restart ${created.id} 7`]);
    });
  });

  describe('list', () => {
    it('adds the managed and instance filters to the client labels', async () => {
      const { engine, service } = setup();
      const list = await service.list(true, ['team=web']);
      expect(engine.listCalls).toEqual([{ all: true, labels: ['team=web', 'berth.managed=true', 'berth.instance=default'] }]);
      expect(list.containers).toEqual([]);
      expect((await service.list(true, [])).containers.map((c) => c.name)).toEqual(['ours']);
    });

    it('passes the client labels alone with manageAll', async () => {
      const { engine, service } = setup({ manageAll: true });
      const list = await service.list(false, []);
      expect(engine.listCalls).toEqual([{ all: false, labels: [] }]);
      expect(list.containers.map((c) => c.name)).toEqual(['ours', 'foreign', 'berth-redis', 'berth-api', 'forged']);
    });
  });

  describe('create', () => {
    function publishing(engine: FakeEngine, running: boolean, port: { hostPort: number; hostIp?: string; protocol?: 'tcp' | 'udp' }): void {
      engine.containers.push(
        details({
          id: 'e'.repeat(64),
          name: 'holder',
          labels: {},
          running,
          ports: [{ containerPort: 80, protocol: port.protocol ?? 'tcp', hostPort: port.hostPort, ...(port.hostIp ? { hostIp: port.hostIp } : {}) }],
        }),
      );
    }

    it('passes the validated spec with its labels to the engine', async () => {
      const { engine, service } = setup();
      const created = await service.create({ image: 'nginx:alpine', name: 'web', ports: { '8080': '80' } });
      expect(created.name).toBe('web');
      expect(engine.created).toEqual([expect.objectContaining({ image: 'nginx:alpine', name: 'web', labels: { ...OURS, 'berth.system': 'false' } })]);
    });

    it.each([
      ['on all addresses', { hostPort: 8080, hostIp: '0.0.0.0' }, { '8080': '80' }],
      ['with no address', { hostPort: 8080 }, { '127.0.0.1:8080': '80' }],
      ['on the same address', { hostPort: 8080, hostIp: '127.0.0.1' }, { '127.0.0.1:8080': '80' }],
    ])('rejects a host port a running container publishes %s', async (_, held, ports) => {
      const { engine, service } = setup();
      publishing(engine, true, held);
      const err = await service.create({ image: 'nginx:alpine', ports }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).code).toBe('port_conflict');
      expect((err as ConflictError).field).toBe(`ports.${Object.keys(ports)[0]}`);
      expect(engine.created).toEqual([]);
    });

    it.each([
      ['a stopped container holds it', false, { hostPort: 8080 }, { '8080': '80' }],
      ['another port is held', true, { hostPort: 8081 }, { '8080': '80' }],
      ['the protocol differs', true, { hostPort: 8080, protocol: 'udp' as const }, { '8080': '80' }],
      ['the addresses differ', true, { hostPort: 8080, hostIp: '127.0.0.2' }, { '127.0.0.1:8080': '80' }],
    ])('creates when %s', async (_, running, held, ports) => {
      const { engine, service } = setup();
      publishing(engine, running, held);
      await service.create({ image: 'nginx:alpine', ports });
      expect(engine.created).toHaveLength(1);
    });
  });

  describe('logs', () => {
    it('passes tail and since, and splits timestamps off when asked', async () => {
      const { engine, service } = setup();
      engine.logLines = [{ stream: 'stderr', text: '2024-01-01T00:00:00.000000000Z hello world' }];
      const lines = await service.logs('ours', { tail: '5', since: '1700000000', timestamps: true });
      expect(lines).toEqual([{ stream: 'stderr', timestamp: '2024-01-01T00:00:00.000000000Z', text: 'hello world' }]);
      expect(engine.calls).toEqual([`logs ${'a'.repeat(64)} {"timestamps":true,"tail":5,"since":1700000000,"follow":false}`]);
    });
  });
});
