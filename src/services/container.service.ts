import type { Logger } from 'winston';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors';
import type { ContainerDetails, ContainerEngine, PortBinding } from '../engine/engine.port';
import type { ContainerRegistry } from './container-registry.port';
import type {
  ContainerActionResult,
  ContainerList,
  ContainerLogLine,
  ContainerView,
  CreateContainerRequest,
  CreatedContainer,
  PortMapping,
} from '../models/container.model';
import { INSTANCE_LABEL, MANAGED_LABEL, isContainerRef, SYSTEM_LABEL, parseSince, parseTail, toContainerSpec } from './container-spec';

export interface ContainerServiceOptions {
  /** This Berth's name in labels (`[server] instance`). */
  instance: string;
  /** Act on every container of the engine, not only Berth's (`[containers] manage_all`). */
  manageAll: boolean;
  /** Seconds between SIGTERM and SIGKILL on stop and restart. */
  stopTimeoutSeconds: number;
  /**
   * Id of the container Berth itself runs in, if any (found in the mount table, not in labels):
   * never stopped through the API, and with it the `berth.system=true` containers of its compose
   * project (its Redis, its workers).
   */
  selfContainerId?: string;
}

export interface LogQuery {
  tail?: string;
  since?: string;
  timestamps?: boolean;
}

/** One Server-Sent Event of a followed log: a line, or the end with the container's state. */
export type LogEvent = { event: 'log'; data: ContainerLogLine } | { event: 'end'; data: { state: string; exit_code: number } };

/** The label docker-compose gives every container of a project. */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';

export class ContainerService {
  private selfProject?: Promise<string | undefined>;
  /** The last port check + engine call in line (see `holdingPorts`). */
  private portsInUse: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly engine: ContainerEngine,
    private readonly registry: ContainerRegistry,
    private readonly options: ContainerServiceOptions,
    private readonly logger: Logger,
  ) {}

  async list(all: boolean, labels: string[]): Promise<ContainerList> {
    const filters = this.options.manageAll ? labels : [...labels, `${MANAGED_LABEL}=true`, `${INSTANCE_LABEL}=${this.options.instance}`];
    const containers = await this.engine.listContainers({ all, labels: filters });
    const ours = await this.registry.recorded(containers.map((c) => c.id));
    return {
      containers: containers.filter((c) => this.options.manageAll || ours.has(c.id)).map((c) => ({ ...c, ports: c.ports.map(portView) })),
    };
  }

  async create(req: CreateContainerRequest): Promise<CreatedContainer> {
    const spec = toContainerSpec(req, this.options.instance);
    const created = await this.holdingPorts(spec.ports, undefined, () => this.engine.createContainer(spec));
    try {
      await this.registry.add(created.id);
    } catch (err) {
      // Not recorded means not Berth's: the container would be out of reach, so it goes.
      await this.engine.removeContainer(created.id, { force: true }).catch(() => undefined);
      throw err;
    }
    this.logger.info('container created', { containerId: created.id, name: created.name, image: spec.image });
    return created;
  }

  async inspect(ref: string): Promise<ContainerView> {
    const c = await this.find(ref);
    return view(c, await this.isManaged(c));
  }

  async start(ref: string): Promise<ContainerActionResult> {
    const c = await this.find(ref);
    // Checked before the engine is asked: Podman (netavark) tears down the forwarding of the
    // container already running on the port when a start fails on it.
    if (c.state.running) await this.engine.startContainer(c.id);
    else await this.holdingPorts(c.ports, c.id, () => this.engine.startContainer(c.id));
    return this.stateOf(c.id);
  }

  async stop(ref: string): Promise<ContainerActionResult> {
    const c = await this.guardSystem(await this.find(ref), 'stopped');
    await this.engine.stopContainer(c.id, this.options.stopTimeoutSeconds);
    return this.stateOf(c.id);
  }

  async restart(ref: string): Promise<ContainerActionResult> {
    const c = await this.guardSystem(await this.find(ref), 'restarted');
    const restart = () => this.engine.restartContainer(c.id, this.options.stopTimeoutSeconds);
    await (c.state.running ? restart() : this.holdingPorts(c.ports, c.id, restart));
    return this.stateOf(c.id);
  }

  async remove(ref: string, force: boolean): Promise<void> {
    const c = await this.guardSystem(await this.find(ref), 'removed');
    if (c.state.running && !force) {
      throw new ConflictError('state_conflict', `container ${c.name} is running; stop it first or pass force=true`);
    }
    await this.engine.removeContainer(c.id, { force: true });
    await this.registry.remove(c.id);
    this.logger.info('container removed', { containerId: c.id, name: c.name });
  }

  async logs(ref: string, query: LogQuery): Promise<ContainerLogLine[]> {
    const c = await this.find(ref);
    const stream = await this.engine.containerLogs(c.id, { ...logOptions(query), follow: false });
    const lines: ContainerLogLine[] = [];
    for await (const line of stream) lines.push(logLine(line.stream, line.text, query.timestamps ?? false));
    return lines;
  }

  /** Lines as they come, then an `end` event once the container stops; `signal` ends it early. */
  async followLogs(ref: string, query: LogQuery, signal: AbortSignal): Promise<AsyncIterable<LogEvent>> {
    const c = await this.find(ref);
    const stream = await this.engine.containerLogs(c.id, { ...logOptions(query), follow: true });
    signal.addEventListener('abort', () => stream.close(), { once: true });
    const engine = this.engine;
    const timestamps = query.timestamps ?? false;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const line of stream) yield { event: 'log' as const, data: logLine(line.stream, line.text, timestamps) };
        if (signal.aborted) return;
        const final = await engine.inspectContainer(c.id);
        yield { event: 'end' as const, data: { state: final.state.status, exit_code: final.state.exitCode } };
      },
    };
  }

  /** Resolves an id, id prefix or name to a container this Berth may act on. */
  private async find(ref: string): Promise<ContainerDetails> {
    // Checked here so that no odd text (`../json`) ever reaches the engine's URL paths.
    if (!isContainerRef(ref)) throw new NotFoundError('container', ref);
    const c = await this.engine.inspectContainer(ref);
    if (!this.options.manageAll && !(await this.isManaged(c))) throw new NotFoundError('container', ref);
    return c;
  }

  /** Created by this Berth: in its record (the labels are checked too, as the list filters on them). */
  private async isManaged(c: ContainerDetails): Promise<boolean> {
    if (c.labels[MANAGED_LABEL] !== 'true' || c.labels[INSTANCE_LABEL] !== this.options.instance) return false;
    return (await this.registry.recorded([c.id])).has(c.id);
  }

  private async guardSystem(c: ContainerDetails, action: 'stopped' | 'restarted' | 'removed'): Promise<ContainerDetails> {
    if (await this.isSystem(c)) {
      throw new ForbiddenError(`container ${c.name} is part of Berth itself and cannot be ${action} through the API`);
    }
    return c;
  }

  /**
   * Berth's own containers: the one it runs in, and the containers of the same compose project
   * labelled `berth.system=true`. A label alone never makes a container Berth's own: an image
   * or anyone on the engine can write one.
   */
  private async isSystem(c: ContainerDetails): Promise<boolean> {
    const self = this.options.selfContainerId;
    if (self === undefined) return false;
    if (c.id === self) return true;
    if (c.labels[SYSTEM_LABEL] !== 'true') return false;
    const project = await this.ownProject(self);
    return project !== undefined && c.labels[COMPOSE_PROJECT_LABEL] === project;
  }

  /** The compose project Berth's container belongs to; asked once, again after a failure. */
  private async ownProject(self: string): Promise<string | undefined> {
    this.selfProject ??= this.engine.inspectContainer(self).then((me) => me.labels[COMPOSE_PROJECT_LABEL]);
    try {
      return await this.selfProject;
    } catch (err) {
      this.selfProject = undefined;
      throw err;
    }
  }

  private async stateOf(id: string): Promise<ContainerActionResult> {
    const c = await this.engine.inspectContainer(id);
    return { id: c.id, state: c.state.status };
  }

  /**
   * Runs `take` (the engine call that publishes `ports`) once they are free. Calls that publish
   * fixed host ports run one at a time: two checks at once would both find a port free.
   */
  private holdingPorts<T>(ports: PortBinding[], self: string | undefined, take: () => Promise<T>): Promise<T> {
    if (!ports.some(isFixed)) return take();
    const run = this.portsInUse.then(async () => {
      await this.ensurePortsFree(ports, self);
      return take();
    });
    this.portsInUse = run.catch(() => undefined);
    return run;
  }

  /** Host ports of `ports` that a running container (other than `self`) publishes answer 409. */
  private async ensurePortsFree(ports: PortBinding[], self?: string): Promise<void> {
    const fixed = ports.filter(isFixed);
    if (fixed.length === 0) return;
    const running = (await this.engine.listContainers({ all: false, labels: [] })).filter((c) => c.id !== self);
    for (const wanted of fixed) {
      const holder = running.find((c) => c.ports.some((p) => p.hostPort === wanted.hostPort && p.protocol === wanted.protocol && overlaps(p.hostIp, wanted.hostIp)));
      if (holder) {
        throw new ConflictError('port_conflict', `host port ${wanted.hostPort}/${wanted.protocol} is already published by another container`, `ports.${portKey(wanted)}`);
      }
    }
  }
}

function isFixed(p: PortBinding): boolean {
  return p.hostPort !== undefined && p.hostPort !== 0;
}

function overlaps(a: string | undefined, b: string | undefined): boolean {
  const any = (ip: string | undefined) => !ip || ip === '0.0.0.0' || ip === '::';
  return any(a) || any(b) || a === b;
}

function logOptions(query: LogQuery) {
  const tail = query.tail !== undefined ? parseTail(query.tail) : undefined;
  const since = query.since !== undefined ? parseSince(query.since) : undefined;
  return { timestamps: query.timestamps ?? false, ...(tail !== undefined ? { tail } : {}), ...(since !== undefined ? { since } : {}) };
}

function logLine(stream: 'stdout' | 'stderr', text: string, timestamps: boolean): ContainerLogLine {
  if (!timestamps) return { stream, text };
  const space = text.indexOf(' ');
  return space > 0 ? { stream, timestamp: text.slice(0, space), text: text.slice(space + 1) } : { stream, text };
}

function portView(p: PortBinding): PortMapping {
  return {
    container_port: p.containerPort,
    protocol: p.protocol,
    ...(p.hostIp !== undefined ? { host_ip: p.hostIp } : {}),
    ...(p.hostPort !== undefined ? { host_port: p.hostPort } : {}),
  };
}

function view(c: ContainerDetails, managed: boolean): ContainerView {
  return {
    id: c.id,
    name: c.name,
    image: c.image,
    image_id: c.imageId,
    command: c.command,
    state: {
      status: c.state.status,
      running: c.state.running,
      exit_code: c.state.exitCode,
      ...(c.state.startedAt ? { started_at: c.state.startedAt } : {}),
      ...(c.state.finishedAt ? { finished_at: c.state.finishedAt } : {}),
      ...(c.state.error ? { error: c.state.error } : {}),
    },
    created: c.created,
    ...(c.state.startedAt ? { started_at: c.state.startedAt } : {}),
    restart_count: c.restartCount,
    restart_policy: c.restartPolicy,
    env: c.envNames,
    labels: c.labels,
    ports: c.ports.map(portView),
    managed,
  };
}

/** The `ports` key a client wrote for this binding: `8080`, `127.0.0.1:8080` or `[::1]:8080`. */
function portKey(binding: PortBinding): string {
  if (!binding.hostIp) return String(binding.hostPort);
  const host = binding.hostIp.includes(':') ? `[${binding.hostIp}]` : binding.hostIp;
  return `${host}:${binding.hostPort}`;
}
