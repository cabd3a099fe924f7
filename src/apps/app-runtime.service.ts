import type { Logger } from 'winston';
import type { LogOptions, LogStream } from '../engine/engine.port';
import type { DeploymentStore } from '../deploys/deployment.record';
import { realClock, runHealthGate, type GateClock, type Replica } from '../deploys/health-gate';
import { probeHttp, type Prober } from '../deploys/http-probe';
import { AppUnhealthyError, ConflictError, NodeUnavailableError, NotFoundError } from '../errors';
import type { ServerSentEvent } from '../http/sse';
import type { AppRuntimeResult, AppLogs, AppReplicaView, AppStatusView } from '../models/app-runtime.model';
import type { AppRouting } from '../proxy/app-routing.port';
import { parseSince, parseTail } from '../services/container-spec';
import type { AppRecord, AppStore } from './app.record';
import { MAX_APP_LOG_LINES, followMerged, lastLines, mergeByTime, type ReplicaStream, type TimedLine } from './app-logs';
import type { ReplicaStateReader } from './app-replica.reader';
import type { AppNodeRuntime, AppNodeRuntimes, RuntimeEngine } from './app-node.runtime';
import { appStatus, type ReplicaState } from './app-status';
import type { AppReplicaState } from './app-replicas.port';
import type { AppStatus } from '../models/app.model';

export type { RuntimeEngine };

export interface AppRuntimeOptions {
  /** Default: HTTP over Node's client. */
  probe?: Prober;
  /** Default: real time. */
  clock?: GateClock;
}

export interface AppLogQuery {
  tail?: string;
  since?: string;
}

const APP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Tries of an optimistic record update before giving up with 409. */
const UPDATE_TRIES = 5;

/**
 * An app's running replicas: status, merged logs, stop and start, on the node its live release
 * runs on (`liveNode`). Deploys and restarts are the deploy worker's.
 */
export class AppRuntimeService {
  constructor(
    private readonly apps: Pick<AppStore, 'get' | 'update'>,
    private readonly deployments: Pick<DeploymentStore, 'active'>,
    private readonly reader: ReplicaStateReader,
    private readonly routing: AppRouting,
    private readonly engine: RuntimeEngine,
    private readonly options: AppRuntimeOptions,
    private readonly logger: Logger,
    /** Nodes besides `local` (`reader` and `engine`); without it every app counts as on `local`. */
    private readonly nodes?: AppNodeRuntimes,
  ) {}

  /** The node the app's live release runs on. */
  private async on(app: AppRecord): Promise<AppNodeRuntime> {
    if (app.liveNode === undefined || !this.nodes) return { reader: this.reader, engine: this.engine };
    return this.nodes(app.liveNode);
  }

  /** Status and replicas, each running live replica probed once on the health path. */
  async status(name: string): Promise<AppStatusView> {
    const app = await this.find(name);
    const { reader } = await this.on(app);
    const [replicas, active] = await Promise.all([reader.replicas(app, { probe: true }), this.deployments.active(name)]);
    const status = appStatus({ stopped: app.stopped === true, deploying: active.length > 0, liveRelease: app.liveRelease, replicas, now: Date.now() });
    return {
      app: name,
      status,
      ...(app.liveRelease !== undefined ? { live_release: app.liveRelease } : {}),
      replicas: replicas.map((r) => replicaView(r, app.liveRelease)),
    };
  }

  /** For the app views (`GET /apps/{name}`): whether a deployment runs, and the live release's replicas that have a container. */
  async read(app: AppRecord): Promise<{ deploying: boolean; replicas: AppReplicaState[]; status: AppStatus }> {
    const [found, active] = await Promise.all([app.liveRelease === undefined ? [] : this.viewReplicas(app), this.deployments.active(app.name)]);
    if (found === 'node_unavailable')
      return { deploying: active.length > 0, replicas: [], status: app.stopped ? 'stopped' : active.length > 0 ? 'deploying' : 'degraded' };
    const all = found;
    const status = appStatus({ stopped: app.stopped === true, deploying: active.length > 0, liveRelease: app.liveRelease, replicas: all, now: Date.now() });
    const replicas = all
      .flatMap((r) => (r.release === app.liveRelease && r.containerId !== undefined ? [{ ...r, containerId: r.containerId }] : []))
      .map((r) => ({
        replica: r.replica,
        containerId: r.containerId,
        state: r.state,
        restarts: r.restarts,
        ...(r.address !== undefined ? { address: r.address } : {}),
      }));
    return { deploying: active.length > 0, replicas, status };
  }

  /** The replicas for the app views: a node that is down must not fail a listing of every app. */
  private async viewReplicas(app: AppRecord): Promise<ReplicaState[] | 'node_unavailable'> {
    try {
      return await (await this.on(app)).reader.replicas(app);
    } catch (err) {
      if (!(err instanceof NodeUnavailableError)) throw err;
      this.logger.warn('replicas not read: their node is unavailable', { app: app.name, node: app.liveNode, error: err.message });
      return 'node_unavailable';
    }
  }

  /** The live release's output, every replica's lines merged by time, at most MAX_APP_LOG_LINES. */
  async logs(name: string, query: AppLogQuery): Promise<AppLogs> {
    const app = await this.find(name);
    const { tail, since } = logQuery(query);
    const limit = Math.min(tail ?? MAX_APP_LOG_LINES, MAX_APP_LOG_LINES);
    let kept: TimedLine[] = [];
    let dropped = 0;
    const node = await this.on(app);
    // One replica at a time, merged as it comes: at most twice the line cap is held, whatever the replica count.
    for (const r of await this.liveContainers(app, node)) {
      const stream = await this.openLog(node.engine, r.containerId, { follow: false, timestamps: true, tail: limit, ...(since !== undefined ? { since } : {}) });
      if (!stream) continue;
      const read = await lastLines(r.replica, stream, limit);
      const merged = mergeByTime([kept, read.lines], limit);
      kept = merged.lines;
      dropped += read.dropped + merged.dropped;
    }
    return {
      app: name,
      ...(app.liveRelease !== undefined ? { release: app.liveRelease } : {}),
      lines: kept.map((t) => t.line),
      truncated: (tail === undefined || tail > MAX_APP_LOG_LINES) && dropped > 0,
    };
  }

  /** Lines of the live replicas as they come (`log` events), then one `end` event once every replica stopped. */
  async followLogs(name: string, query: AppLogQuery, signal: AbortSignal): Promise<AsyncIterable<ServerSentEvent>> {
    const app = await this.find(name);
    const { tail, since } = logQuery(query);
    const node = await this.on(app);
    const live = await this.liveContainers(app, node);
    const options = { follow: true, timestamps: true, ...(tail !== undefined ? { tail } : {}), ...(since !== undefined ? { since } : {}) };
    const sources: ReplicaStream[] = [];
    try {
      for (const r of live) {
        const stream = await this.openLog(node.engine, r.containerId, options);
        if (stream) sources.push({ replica: r.replica, stream });
      }
    } catch (err) {
      for (const s of sources) s.stream.close();
      throw err;
    }
    signal.addEventListener('abort', () => sources.forEach((s) => s.stream.close()), { once: true });
    const final = () => this.finalStates(node.engine, live);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const line of followMerged(sources)) yield { event: 'log', data: line };
        if (signal.aborted) return;
        yield { event: 'end', data: { replicas: await final() } };
      },
    };
  }

  /**
   * Marks the app stopped, takes its domains off the proxy and stops its live replicas (SIGTERM,
   * SIGKILL after the app's drain time). Stopping a stopped app does it again: a stop cut short ends.
   */
  async stop(name: string): Promise<AppRuntimeResult> {
    const app = await this.idle(name);
    await this.setStopped(name, true);
    await this.routing.unroute(name);
    const node = await this.on(app);
    const live = await this.liveContainers(app, node);
    const drainMs = app.config.drainSeconds * 1000;
    await Promise.all([
      app.liveSlot ? this.routing.drainSlot(name, app.liveSlot, drainMs) : Promise.resolve(),
      ...live.map((r) => this.stopContainer(node.engine, r.containerId, app.config.drainSeconds)),
    ]);
    this.logger.info('app stopped', { app: name, release: app.liveRelease, replicas: live.length });
    return { app: name, status: 'stopped', changed: app.stopped !== true };
  }

  /**
   * Starts a stopped app's live replicas, holds them to the health gate, puts them back in the
   * live slot (at their new host ports) and routes the domains to it. A running app is left alone.
   */
  async start(name: string): Promise<AppRuntimeResult> {
    const app = await this.idle(name);
    if (app.stopped !== true) return { app: name, status: (await this.status(name)).status, changed: false };
    if (app.liveRelease !== undefined) await this.startLive(app);
    await this.setStopped(name, false);
    this.logger.info('app started', { app: name, release: app.liveRelease });
    return { app: name, status: app.liveRelease !== undefined ? 'running' : 'new', changed: true };
  }

  private async startLive(app: AppRecord): Promise<void> {
    const release = app.liveRelease;
    const { reader, engine } = await this.on(app);
    const found = (await reader.replicas(app)).filter((r) => r.release === release);
    const gone = found.filter((r) => r.containerId === undefined).map((r) => r.replica);
    if (gone.length > 0 || found.length === 0) {
      throw new ConflictError('state_conflict', `replica(s) ${gone.join(', ') || 'all'} of release ${release} no longer exist; deploy ${app.name} again`);
    }
    await Promise.all(found.filter((r) => r.state !== 'running').map((r) => engine.startContainer(r.containerId ?? '')));
    // A restarted container gets a new host port: read them again.
    const started = (await reader.replicas(app)).filter((r) => r.release === release && r.containerId !== undefined);
    const replicas = started.map(toReplica);
    await this.gate(app, replicas, engine);
    const slot = app.liveSlot ?? 'a';
    // Servers left in the slot point at the ports the replicas had before `stop`.
    if ((await this.routing.servers(app.name, slot)).length > 0) await this.routing.drainSlot(app.name, slot, 0);
    const servers = replicas.map((r) => ({ name: `r${release}-${r.replica}`, address: `${r.host}:${r.port}` }));
    await this.routing.stage(app.name, slot, servers, app.config.healthCheck.gateSeconds * 1000);
    await this.routing.route(app.name, app.domains, slot);
  }

  /** Runs the health gate; on failure stops the replicas again (the app stays stopped) and throws. */
  private async gate(app: AppRecord, replicas: Replica[], engine: RuntimeEngine): Promise<void> {
    const lines: string[] = [];
    const baseline = new Map<string, number>();
    for (const r of replicas) baseline.set(r.containerId, (await engine.inspectContainer(r.containerId)).restartCount);
    const outcome = await runHealthGate(
      replicas,
      app.config.healthCheck,
      {
        probe: this.options.probe ?? probeHttp,
        exited: (r) => this.exitReason(engine, r, baseline.get(r.containerId) ?? 0),
        clock: this.options.clock ?? realClock,
        log: (line) => void lines.push(line),
      },
      new AbortController().signal,
    );
    if (outcome.passed) return;
    await Promise.all(replicas.map((r) => this.stopContainer(engine, r.containerId, 0)));
    throw new AppUnhealthyError(`${app.name} did not become healthy and stays stopped: ${outcome.detail}`, lines);
  }

  private async exitReason(engine: RuntimeEngine, r: Replica, restartsBefore: number): Promise<string | undefined> {
    try {
      const c = await engine.inspectContainer(r.containerId);
      if (!c.state.running) return `exited with code ${c.state.exitCode}`;
      return c.restartCount > restartsBefore ? `restarted ${c.restartCount - restartsBefore} time(s)` : undefined;
    } catch (err) {
      if (err instanceof NotFoundError) return 'was removed';
      throw err;
    }
  }

  /** Undefined when the container went since it was listed (a deploy's drain removed it). */
  private async openLog(engine: RuntimeEngine, id: string, options: LogOptions): Promise<LogStream | undefined> {
    try {
      return await engine.containerLogs(id, options);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  private async stopContainer(engine: RuntimeEngine, id: string, graceSeconds: number): Promise<void> {
    try {
      await engine.stopContainer(id, graceSeconds);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /** Writes `stopped` with the record's version; a concurrent change makes it read and try again. */
  private async setStopped(name: string, stopped: boolean): Promise<void> {
    for (let i = 0; i < UPDATE_TRIES; i += 1) {
      const current = await this.find(name);
      if ((current.stopped === true) === stopped) return;
      const { stopped: _previous, ...rest } = current;
      const next: AppRecord = { ...rest, ...(stopped ? { stopped: true } : {}), version: current.version + 1, updatedAt: new Date().toISOString() };
      if (await this.apps.update(next, current.version)) return;
    }
    throw new ConflictError('state_conflict', `app ${name} kept changing while being ${stopped ? 'stopped' : 'started'}; try again`);
  }

  private async liveContainers(app: AppRecord, node: AppNodeRuntime): Promise<Array<ReplicaState & { containerId: string }>> {
    if (app.liveRelease === undefined) return [];
    const replicas = await node.reader.replicas(app);
    return replicas.filter((r): r is ReplicaState & { containerId: string } => r.release === app.liveRelease && r.containerId !== undefined);
  }

  private async finalStates(
    engine: RuntimeEngine,
    live: ReadonlyArray<{ replica: number; containerId: string }>,
  ): Promise<Array<{ replica: number; state: string; exit_code?: number }>> {
    return Promise.all(
      live.map(async (r) => {
        try {
          const c = await engine.inspectContainer(r.containerId);
          return { replica: r.replica, state: c.state.status, exit_code: c.state.exitCode };
        } catch (err) {
          if (err instanceof NotFoundError) return { replica: r.replica, state: 'removed' };
          throw err;
        }
      }),
    );
  }

  /** The app, with no deployment of it under way (stop and start would race the deploy worker). */
  private async idle(name: string): Promise<AppRecord> {
    const app = await this.find(name);
    const active = await this.deployments.active(name);
    if (active[0]) throw new ConflictError('state_conflict', `deployment ${active[0].id} of ${name} is ${active[0].status}; wait for it to end or cancel it`);
    return app;
  }

  private async find(name: string): Promise<AppRecord> {
    // Checked first so that no odd text reaches the store's keys.
    const app = APP_NAME.test(name) ? await this.apps.get(name) : undefined;
    if (!app) throw new NotFoundError('app', name.length > 63 ? `${name.slice(0, 63)}...` : name);
    return app;
  }
}

function logQuery(query: AppLogQuery): { tail?: number; since?: number } {
  const tail = query.tail !== undefined ? parseTail(query.tail) : undefined;
  const since = query.since !== undefined ? parseSince(query.since) : undefined;
  return { ...(tail !== undefined ? { tail } : {}), ...(since !== undefined ? { since } : {}) };
}

function toReplica(r: ReplicaState): Replica {
  const colon = r.address?.lastIndexOf(':') ?? -1;
  // No address: the container is down again; the gate's exit check reports it.
  if (!r.address || colon < 0) return { replica: r.replica, containerId: r.containerId ?? '', name: r.name, host: '127.0.0.1', port: 0 };
  return { replica: r.replica, containerId: r.containerId ?? '', name: r.name, host: r.address.slice(0, colon), port: Number(r.address.slice(colon + 1)) };
}

function replicaView(r: ReplicaState, liveRelease: number | undefined): AppReplicaView {
  return {
    replica: r.replica,
    release: r.release,
    live: r.release === liveRelease,
    ...(r.containerId !== undefined ? { container_id: r.containerId } : {}),
    name: r.name,
    state: r.state,
    restarts: r.restarts,
    ...(r.address !== undefined ? { address: r.address } : {}),
    ...(r.startedAt !== undefined ? { started_at: r.startedAt } : {}),
    ...(r.health ? { health: r.health.healthy ? ('healthy' as const) : ('unhealthy' as const), health_detail: r.health.detail } : {}),
  };
}
