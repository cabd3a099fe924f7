import type { Logger } from 'winston';
import type { ContainerDetails, ContainerEngine, VolumeEngine } from '../engine/engine.port';
import { EngineError, NotFoundError, ReleaseFailedError } from '../errors';
import type { ContainerRegistry } from '../services/container-registry.port';
import { INSTANCE_LABEL, MANAGED_LABEL } from '../services/container-spec';
import { realClock, runHealthGate, type GateClock, type GateOutcome, type Replica } from './health-gate';
import { probeHttp, type Prober } from './http-probe';
import { tailOutput } from './output-tail';
import {
  APP_LABEL,
  RELEASE_LABEL,
  REPLICA_LABEL,
  checkReleaseSpec,
  replicaContainerSpec,
  volumeLabels,
  volumeName,
  type HealthCheck,
  type ReleaseSpec,
} from './release-spec';

/** All the runner asks of the engine. */
export type ReleaseEngine = Pick<
  ContainerEngine,
  'createContainer' | 'startContainer' | 'inspectContainer' | 'containerLogs' | 'stopContainer' | 'removeContainer' | 'listContainers'
> &
  VolumeEngine;

/** Where a release's progress goes: one line at a time (the deployment's log). */
export type ReleaseLog = (line: string) => void;

export interface ReleaseRunnerOptions {
  /** This Berth's name in labels (`[server] instance`). */
  instance: string;
  /** Lines of a failed replica's output copied into the log. Default 20. */
  outputLines?: number;
  /** Default: real time. */
  clock?: GateClock;
  /** Default: HTTP over Node's client. */
  probe?: Prober;
  /**
   * The node's address (`[[nodes]] address`): replicas are probed and routed there, at their
   * published ports. Default: the address the engine published them on (`local`: 127.0.0.1).
   */
  address?: string;
  /** Where replicas publish their port. Default 127.0.0.1. */
  publishIp?: string;
}

/**
 * Starts a release's replicas and holds them to the health gate; removes every container it made
 * when the gate fails or the caller cancels, so a failed release leaves nothing behind.
 */
export class ReleaseRunner {
  private readonly outputLines: number;

  constructor(
    private readonly engine: ReleaseEngine,
    private readonly registry: ContainerRegistry,
    private readonly options: ReleaseRunnerOptions,
    private readonly logger: Logger,
  ) {
    this.outputLines = options.outputLines ?? 20;
  }

  /**
   * Resolves with the healthy replicas, for the proxy to route to. Rejects with ValidationError
   * (bad spec), ReleaseFailedError (gate failed), an engine error, or `signal.reason` once aborted.
   * Release numbers are never reused: a name still taken by a release's containers is a conflict
   * (see `removeRelease`).
   */
  async start(spec: ReleaseSpec, log: ReleaseLog, signal: AbortSignal, options: StartOptions = {}): Promise<Replica[]> {
    checkReleaseSpec(spec);
    signal.throwIfAborted();
    const ids: string[] = [];
    const numbers = Array.from({ length: spec.replicas }, (_, i) => i + 1);
    // One at a time, each gated before the next starts: a restart never runs every new replica unproven.
    const groups = options.oneAtATime ? numbers.map((n) => [n]) : [numbers];
    const replicas: Replica[] = [];
    try {
      await this.ensureVolumes(spec);
      for (const group of groups) {
        const started = await this.startReplicas(spec, group, ids, signal);
        for (const { replica: r, exited } of started) {
          log(`[replica ${r.replica}] started ${r.name} (${r.containerId.slice(0, 12)})${exited ? '' : ` on ${r.host}:${r.port}`}`);
        }
        if (replicas.length === 0) await options.onHealthChecking?.();
        await this.gate(spec, started, log, signal);
        replicas.push(...started.map((s) => s.replica));
      }
      log(`release ${spec.release}: ${replicas.length} replica(s) healthy`);
      return replicas;
    } catch (err) {
      await this.removeAll(ids, log);
      if (signal.aborted) throw signal.reason;
      throw err;
    }
  }

  /** Holds started replicas to the health gate; throws ReleaseFailedError when they fail it. */
  private async gate(spec: ReleaseSpec, started: StartedReplica[], log: ReleaseLog, signal: AbortSignal): Promise<void> {
    const replicas = started.map((s) => s.replica);
    const early = started.find((s) => s.exited !== undefined);
    const outcome = early
      ? exitedAtStart(early.replica, early.exited ?? '', log)
      : await runHealthGate(
          replicas,
          spec.healthCheck,
          { probe: this.options.probe ?? probeHttp, exited: (r) => this.exitReason(r), clock: this.options.clock ?? realClock, log },
          signal,
        );
    if (!outcome.passed) await this.fail(spec, outcome, log);
  }

  /** Stops replicas (SIGTERM, then SIGKILL after `drainSeconds`) and removes them. Gone ones are skipped. */
  async stop(replicas: readonly Pick<Replica, 'containerId'>[], drainSeconds: number): Promise<void> {
    await Promise.all(
      replicas.map(async ({ containerId }) => {
        await ignoreMissing(this.engine.stopContainer(containerId, drainSeconds));
        await this.remove(containerId);
      }),
    );
  }

  /**
   * Removes every container of one release that this Berth recorded: what an attempt that died
   * mid-start left behind, or a drained release. With `stopSeconds`, each is stopped first (SIGTERM,
   * then SIGKILL after that many seconds). Resolves with how many went.
   */
  async removeRelease(app: string, release: number, stopSeconds?: number): Promise<number> {
    const ours = await this.releaseContainers(app, release);
    await Promise.all(
      ours.map(async (id) => {
        if (stopSeconds !== undefined) await ignoreMissing(this.engine.stopContainer(id, stopSeconds));
        await this.remove(id);
      }),
    );
    return ours.length;
  }

  /**
   * Stops (SIGTERM, then SIGKILL after `stopSeconds`) every recorded container of a release,
   * keeping them: stop-first stops the live release this way, so a failed deployment can start it
   * again. Resolves with how many there are.
   */
  async stopRelease(app: string, release: number, stopSeconds: number): Promise<number> {
    const ids = await this.releaseContainers(app, release);
    await Promise.all(ids.map((id) => ignoreMissing(this.engine.stopContainer(id, stopSeconds))));
    return ids.length;
  }

  /**
   * Starts a release's stopped containers again (the same containers: their volumes and state
   * stay), reads their host ports anew (a restarted container may get another) and holds them to
   * the health gate. Resolves with the healthy replicas; rejects with ReleaseFailedError, leaving
   * them as they are, when they fail it or none is left.
   */
  async restartRelease(app: string, release: number, port: number, check: HealthCheck, log: ReleaseLog, signal: AbortSignal): Promise<Replica[]> {
    const ids = await this.releaseContainers(app, release);
    if (ids.length === 0) throw new ReleaseFailedError('replica_exited', `release ${release} of ${app} has no container left`);
    const replicas = await Promise.all(ids.map((id) => this.startAgain(id, port)));
    const baseline = new Map(replicas.map((r) => [r.containerId, r.restarts]));
    const outcome = await runHealthGate(
      replicas,
      check,
      {
        probe: this.options.probe ?? probeHttp,
        exited: (r) => this.exitSince(r, baseline.get(r.containerId) ?? 0),
        clock: this.options.clock ?? realClock,
        log,
      },
      signal,
    );
    if (!outcome.passed) throw new ReleaseFailedError(outcome.reason === 'exited' ? 'replica_exited' : 'release_unhealthy', outcome.detail);
    return replicas.map(({ restarts: _restarts, ...r }) => r).sort((a, b) => a.replica - b.replica);
  }

  private async startAgain(id: string, port: number): Promise<Replica & { restarts: number }> {
    const before = await this.engine.inspectContainer(id);
    if (!before.state.running) await this.engine.startContainer(id);
    const details = await this.engine.inspectContainer(id);
    const published = details.ports.find((p) => p.containerPort === port && p.protocol === 'tcp' && p.hostPort);
    const replica = Number(details.labels[REPLICA_LABEL] ?? 0);
    return { replica, containerId: id, name: details.name, host: this.hostOf(published?.hostIp), port: published?.hostPort ?? 0, restarts: details.restartCount };
  }

  /** Where the gate and the proxy reach a replica: the node's address, else where the engine published it. */
  private hostOf(publishedIp: string | undefined): string {
    return this.options.address ?? publishedIp ?? '127.0.0.1';
  }

  /** Why a restarted container is down, counting only restarts after `restartsBefore`. */
  private async exitSince(replica: Replica, restartsBefore: number): Promise<string | undefined> {
    const c = await this.inspectOrGone(replica.containerId);
    if (c === undefined) return 'was removed';
    if (!c.state.running) return `exited with code ${c.state.exitCode}`;
    return c.restartCount > restartsBefore ? `restarted ${c.restartCount - restartsBefore} time(s)` : undefined;
  }

  /** The containers of a release that this Berth recorded. */
  private async releaseContainers(app: string, release: number): Promise<string[]> {
    const labels = [`${MANAGED_LABEL}=true`, `${INSTANCE_LABEL}=${this.options.instance}`, `${APP_LABEL}=${app}`, `${RELEASE_LABEL}=${release}`];
    const found = await this.engine.listContainers({ all: true, labels });
    return [...(await this.registry.recorded(found.map((c) => c.id)))];
  }

  private async ensureVolumes(spec: ReleaseSpec): Promise<void> {
    for (const name of Object.keys(spec.volumes)) {
      await this.engine.ensureVolume(volumeName(spec.app, name), volumeLabels(spec.app, name, this.options.instance));
    }
  }

  /** Creates and starts the replicas `numbers` at once; `ids` gets each container as soon as it exists. */
  private async startReplicas(spec: ReleaseSpec, numbers: readonly number[], ids: string[], signal: AbortSignal): Promise<StartedReplica[]> {
    const results = await Promise.allSettled(numbers.map((n) => this.startReplica(spec, n, ids, signal)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<StartedReplica>).value);
  }

  private async startReplica(spec: ReleaseSpec, replica: number, ids: string[], signal: AbortSignal): Promise<StartedReplica> {
    signal.throwIfAborted();
    const created = await this.engine.createContainer(replicaContainerSpec(spec, replica, this.options.instance, this.options.publishIp));
    ids.push(created.id);
    await this.registry.add(created.id);
    signal.throwIfAborted();
    await this.engine.startContainer(created.id);
    const details = await this.engine.inspectContainer(created.id);
    const published = details.ports.find((p) => p.containerPort === spec.port && p.protocol === 'tcp' && p.hostPort);
    const base = { replica, containerId: created.id, name: created.name, host: this.hostOf(published?.hostIp) };
    if (published?.hostPort) return { replica: { ...base, port: published.hostPort } };
    // An engine shows no host port for a container that is already down: that is the app's failure.
    const exited = describeExit(details);
    if (exited !== undefined) return { replica: { ...base, port: 0 }, exited };
    throw new EngineError(`the engine published no host port for ${created.name} (port ${spec.port})`);
  }

  /** Why a replica is down, or undefined while it runs. */
  private async exitReason(replica: Replica): Promise<string | undefined> {
    const c = await this.inspectOrGone(replica.containerId);
    return c === undefined ? 'was removed' : describeExit(c);
  }

  /** The container's details, or undefined once it is gone. */
  private async inspectOrGone(id: string): Promise<ContainerDetails | undefined> {
    try {
      return await this.engine.inspectContainer(id);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Copies the failed replicas' last output into the log, then throws. */
  private async fail(spec: ReleaseSpec, outcome: Exclude<GateOutcome, { passed: true }>, log: ReleaseLog): Promise<never> {
    if (outcome.reason === 'cancelled') throw new Error(outcome.detail);
    for (const r of outcome.replicas) {
      const lines = await tailOutput(this.engine, r.containerId, this.outputLines);
      log(`[replica ${r.replica}] last ${lines.length} line(s) of output from ${r.name}:`);
      for (const line of lines) log(`[replica ${r.replica}] | ${line}`);
    }
    const code = outcome.reason === 'exited' ? 'replica_exited' : 'release_unhealthy';
    throw new ReleaseFailedError(code, `release ${spec.release} of ${spec.app} failed its health check: ${outcome.detail}`);
  }

  private async removeAll(ids: readonly string[], log: ReleaseLog): Promise<void> {
    if (ids.length === 0) return;
    const results = await Promise.allSettled(ids.map((id) => this.remove(id)));
    const left = ids.filter((_, i) => results[i]?.status === 'rejected');
    log(`removed ${ids.length - left.length} new container(s)${left.length ? `; could not remove ${left.map((id) => id.slice(0, 12)).join(', ')}` : ''}`);
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') this.logger.warn('could not remove a replica', { containerId: ids[i], error: (r.reason as Error).message });
    }
  }

  private async remove(id: string): Promise<void> {
    await ignoreMissing(this.engine.removeContainer(id, { force: true }));
    await this.registry.remove(id);
  }
}

export interface StartOptions {
  /** Called once the first replicas run, before the gate probes them (the deployment records the phase). */
  onHealthChecking?: () => Promise<void>;
  /** Starts and gates one replica after the other (a restart), instead of all at once. */
  oneAtATime?: boolean;
}

/** A replica at start, with why it is already down, if it is. */
interface StartedReplica {
  replica: Replica;
  exited?: string;
}

/** Why a container no longer counts as up; a restart counts, since the engine hides a crash behind it. */
function describeExit(c: ContainerDetails): string | undefined {
  // Once restarted and running again, the engine shows exit code 0: only a stopped one says how it ended.
  if (c.restartCount > 0) return `restarted ${c.restartCount} time(s)${c.state.running ? '' : `; exit code ${c.state.exitCode}`}`;
  if (!c.state.running) return `exited with code ${c.state.exitCode}${c.state.error ? ` (${c.state.error})` : ''}`;
  return undefined;
}

function exitedAtStart(replica: Replica, why: string, log: ReleaseLog): GateOutcome {
  const detail = `replica ${replica.replica} (${replica.name}) ${why}`;
  log(`health check failed: ${detail}`);
  return { passed: false, reason: 'exited', replicas: [replica], detail };
}

async function ignoreMissing(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}
