import type { Logger } from 'winston';
import type { AppRecord } from '../src/apps/app.record';
import type { DeploymentRecord, DeploymentStatus, DeploymentUpdate, ReleaseRecord } from '../src/deploys/deployment.record';
import type { Slot } from '../src/proxy/app-routing.port';
import { NodeUnavailableError } from '../src/errors';
import { DeployStoppedError } from './deploy-attempt';
import type { DeployPorts, DeployProcessorOptions, DeployRun } from './deploy-run';
import type { ReleaseTarget, TargetResolver } from './deploy-target';
import { LOCAL_NODE, nodeOf, type DeployNodes } from './deploy-nodes';

type Move = (run: DeployRun, status: DeploymentStatus, update?: DeploymentUpdate) => Promise<void>;

/** Tries of the live-release update when other writers change the app record meanwhile. */
const UPDATE_TRIES = 20;

/**
 * The release half of a deployment: start and gate the new replicas in the slot that is not live,
 * stage them in the proxy, switch every domain to them, record the release, drain the old slot.
 */
export class ReleaseSwitch {
  constructor(
    private readonly deps: DeployPorts,
    private readonly nodes: DeployNodes,
    private readonly targets: TargetResolver,
    private readonly options: DeployProcessorOptions,
    private readonly move: Move,
    private readonly logger: Logger,
  ) {}

  /**
   * `starting` → `health_checking` → staged in the proxy → `switching`. A resumed attempt removes
   * what the one before it started first. The new release runs on the target's node, which must
   * answer first (else `node_unavailable`, nothing changed). Resolves with the record as it now stands.
   */
  async start(run: DeployRun, app: AppRecord, record: DeploymentRecord, target: ReleaseTarget): Promise<DeploymentRecord> {
    const { routing } = this.deps;
    const resumed = record.release !== undefined;
    const node = record.node ?? nodeOf(target.config);
    await this.nodes.check(node);
    const release = record.release ?? (await this.deps.releases.reserve(app.name));
    // The proxy's word on what serves wins over the record's: never fill the slot that is routed.
    const slot: Slot = record.slot ?? other((await routing.routedSlot(app.name)) ?? app.liveSlot);
    const previousRelease = resumed ? record.previousRelease : app.liveRelease;
    // The live release runs on the app's `liveNode`: that is where it is drained, whatever `node` says now.
    const previousNode = resumed ? record.previousNode : previousRelease !== undefined ? (app.liveNode ?? LOCAL_NODE) : undefined;
    run.made.release = release;
    run.made.slot = slot;
    run.made.node = node;
    const update = {
      release,
      slot,
      node,
      imageId: target.imageId,
      ...(target.commit ? { commit: target.commit } : {}),
      ...(previousRelease !== undefined ? { previousRelease } : {}),
      ...(previousNode !== undefined ? { previousNode } : {}),
    };
    await this.move(run, 'starting', update);
    if (resumed) await this.removeNew(run, app.name, release, slot, node);
    else await this.clearSlot(app.name, slot);
    if (target.config.strategy === 'stop-first' && previousRelease !== undefined && !app.stopped) {
      await this.stopOld(run, app, other(slot), previousRelease, previousNode ?? LOCAL_NODE);
    }
    const { spec, secretValues } = await this.targets.spec(app.name, release, target);
    run.log.redactor.hide(secretValues);
    const on = node === LOCAL_NODE ? '' : ` on node ${node}`;
    run.log.line(`[berth] starting release ${release} of ${app.name}${on}: ${target.image}, ${spec.replicas} replica(s), port ${spec.port}, slot ${slot}`);
    const replicas = await this.nodes.on(node, (runner) =>
      runner.start(spec, (line) => run.log.line(line), run.watch.signal, {
        oneAtATime: record.kind === 'restart',
        onHealthChecking: () => this.move(run, 'health_checking'),
      }),
    );
    const servers = replicas.map((r) => ({ name: `r${release}-${r.replica}`, address: `${r.host}:${r.port}` }));
    await routing.stage(app.name, slot, servers, this.options.stageTimeoutMs);
    run.watch.signal.throwIfAborted();
    await this.move(run, 'switching');
    run.made.forward = true;
    run.watch.forwardOnly();
    return { ...record, ...update, status: 'switching' };
  }

  /**
   * `switching` → `draining` → `succeeded`; every step is safe to do again, so a resumed attempt
   * repeats what it cannot know was done, and never goes back.
   */
  async forward(run: DeployRun, app: AppRecord, record: DeploymentRecord, target: () => Promise<ReleaseTarget>): Promise<void> {
    const { release, slot } = record;
    if (release === undefined || slot === undefined) throw new Error(`deployment ${record.id} reached ${record.status} without a release`);
    const { routing, releases } = this.deps;
    const stored = await releases.get(app.name, release);
    const resolved = stored ? undefined : await target();
    if (record.status === 'switching') {
      if (app.stopped) run.log.line(`[berth] ${app.name} was stopped: it serves again from this release`);
      run.log.line(`[berth] switching ${app.domains.length ? app.domains.join(', ') : 'no domain'} to release ${release} (slot ${slot})`);
      await routing.route(app.name, app.domains, slot);
      if (resolved) await this.record(run, app.name, record, resolved);
      const live = await this.setLive(app.name, release, slot, record.node ?? LOCAL_NODE);
      if (live) await this.pruneSecrets(app.name, live);
      await this.move(run, 'draining');
    }
    await this.drain(run, app, record.previousRelease, other(slot), record.previousNode ?? LOCAL_NODE);
    run.log.line(`[berth] release ${release} of ${app.name} is live`);
    await run.log.flush();
    await this.move(run, 'succeeded');
    this.logger.info('deployment succeeded', { deploymentId: record.id, app: app.name, release });
  }

  /** Removes a release that never went live: its containers (on its node) and whatever the slot holds. */
  async removeNew(run: DeployRun, app: string, release: number, slot: Slot | undefined, node: string): Promise<void> {
    const removed = await this.nodes.on(node, (runner) => runner.removeRelease(app, release));
    if (removed > 0) run.log.line(`[berth] removed ${removed} container(s) of release ${release}`);
    if (slot !== undefined) await this.clearSlot(app, slot);
  }

  private async clearSlot(app: string, slot: Slot): Promise<void> {
    const { routing } = this.deps;
    if ((await routing.routedSlot(app)) === slot) throw new Error(`slot ${slot} of ${app} is routed: it is not the new release's`);
    if ((await routing.servers(app, slot)).length > 0) await routing.drainSlot(app, slot, 0);
  }

  /**
   * stop-first: the old release drains and stops before the new one starts (apps that cannot run
   * twice). Its containers are kept until the switch; the record says so first, so that whichever
   * attempt ends the deployment short starts them again (`restoreOld`).
   */
  private async stopOld(run: DeployRun, app: AppRecord, slot: Slot, release: number, node: string): Promise<void> {
    if (!(await this.deps.deployments.update(run.id, { previousStopped: true }, run.attempt))) throw new DeployStoppedError('superseded');
    run.log.line(`[berth] stop-first: draining and stopping release ${release} before the new one starts (it is started again if the new one fails)`);
    if ((await this.deps.routing.servers(app.name, slot)).length > 0) await this.deps.routing.drainSlot(app.name, slot, app.config.drainSeconds * 1000);
    const stopped = await this.nodes.on(node, (runner) => runner.stopRelease(app.name, release, this.options.stopSeconds));
    if (stopped > 0) run.log.line(`[berth] stopped ${stopped} container(s) of release ${release}`);
    run.watch.signal.throwIfAborted();
  }

  /**
   * Undoes `stopOld` for a deployment that ends short of the switch: the previous release's own
   * containers start again, are read anew (their host ports may change), pass the health gate, go
   * back into their slot, and the domains are routed to it. Not cancellable: it is the way back.
   */
  async restoreOld(run: DeployRun, app: AppRecord, record: DeploymentRecord): Promise<number | undefined> {
    const { previousRelease: release, slot } = record;
    if (!record.previousStopped || release === undefined || slot === undefined) return undefined;
    const stored = await this.deps.releases.get(app.name, release);
    if (!stored) throw new Error(`release ${release} is no longer kept`);
    const old = other(slot);
    run.log.line(`[berth] starting release ${release} again (slot ${old})`);
    const log = (line: string) => run.log.line(line);
    const replicas = await this.nodes.on(record.previousNode ?? LOCAL_NODE, (runner) =>
      runner.restartRelease(app.name, release, stored.port, stored.config.healthCheck, log, new AbortController().signal),
    );
    const { routing } = this.deps;
    // Servers left in the slot point at the ports the replicas had before they stopped.
    if ((await routing.servers(app.name, old)).length > 0) await routing.drainSlot(app.name, old, 0);
    const servers = replicas.map((r) => ({ name: `r${release}-${r.replica}`, address: `${r.host}:${r.port}` }));
    await routing.stage(app.name, old, servers, this.options.stageTimeoutMs);
    await routing.route(app.name, app.domains, old);
    return release;
  }

  private async drain(run: DeployRun, app: AppRecord, release: number | undefined, slot: Slot, node: string): Promise<void> {
    const { routing } = this.deps;
    if ((await routing.servers(app.name, slot)).length > 0) {
      run.log.line(`[berth] draining slot ${slot} for up to ${app.config.drainSeconds} s`);
      await routing.drainSlot(app.name, slot, app.config.drainSeconds * 1000);
    }
    if (release === undefined) return;
    let removed: number;
    try {
      removed = await this.nodes.on(node, (runner) => runner.removeRelease(app.name, release, this.options.stopSeconds));
    } catch (err) {
      // Moving off a node that is down: the new release serves; what is left there is said, not retried.
      if (!(err instanceof NodeUnavailableError)) throw err;
      run.log.line(`[berth] ${err.message}: the containers of release ${release} there were not removed; remove them once it is back`);
      this.logger.warn('old release left on an unavailable node', { app: app.name, release, node });
      return;
    }
    const on = node === LOCAL_NODE ? '' : ` on node ${node}`;
    if (removed > 0) run.log.line(`[berth] stopped and removed ${removed} container(s) of release ${release}${on}`);
  }

  private async record(run: DeployRun, app: string, record: DeploymentRecord, target: ReleaseTarget): Promise<void> {
    const release: ReleaseRecord = {
      app,
      number: record.release ?? 0,
      deploymentId: record.id,
      ...(target.commit ? { commit: target.commit } : {}),
      imageId: target.imageId,
      image: target.image,
      config: target.config,
      port: target.port,
      setPortEnv: target.setPortEnv,
      createdAt: new Date().toISOString(),
    };
    const dropped = await this.deps.releases.add(release, this.options.releasesKept);
    if (dropped.length > 0) run.log.line(`[berth] releases no longer kept: ${dropped.join(', ')}`);
  }

  /** Points the app at its new live release (and its node) and clears `stopped` (optimistic version, retried); undefined once the app is gone. */
  private async setLive(name: string, release: number, slot: Slot, node: string): Promise<AppRecord | undefined> {
    const liveNode = node === LOCAL_NODE ? undefined : node;
    for (let i = 0; i < UPDATE_TRIES; i++) {
      const current = await this.deps.apps.get(name);
      if (!current) return undefined;
      if (current.liveRelease === release && current.liveSlot === slot && current.liveNode === liveNode && !current.stopped) return current;
      // A stopped app that gets deployed serves its new release: it is no longer stopped.
      const { stopped: _stopped, liveNode: _node, ...rest } = current;
      const next: AppRecord = {
        ...rest,
        liveRelease: release,
        liveSlot: slot,
        ...(liveNode !== undefined ? { liveNode } : {}),
        version: current.version + 1,
        updatedAt: new Date().toISOString(),
      };
      if (await this.deps.apps.update(next, current.version)) return next;
    }
    throw new Error(`app ${name} kept changing: could not record release ${release} as live`);
  }

  /** Secrets versions no kept release and not the app itself use are dropped. */
  private async pruneSecrets(name: string, app: AppRecord): Promise<void> {
    const kept = await this.deps.releases.list(name);
    const keep = new Set([app.config.secretsVersion, ...kept.map((r) => r.config.secretsVersion)]);
    // Versions newer than the app's may belong to a change being saved right now: never dropped.
    const newest = Math.max(...keep);
    const upcoming = await this.deps.apps.nextSecretsVersion(name);
    for (let v = newest + 1; v < upcoming; v++) keep.add(v);
    await this.deps.apps.pruneSecrets(name, [...keep]);
  }
}

export function other(slot: Slot | undefined): Slot {
  return slot === 'a' ? 'b' : 'a';
}
