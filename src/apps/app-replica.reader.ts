import type { ContainerDetails, ContainerEngine } from '../engine/engine.port';
import type { ReleaseStore } from '../deploys/deployment.record';
import { describeProbe, type Prober } from '../deploys/http-probe';
import { APP_LABEL, RELEASE_LABEL, REPLICA_LABEL, replicaName } from '../deploys/release-spec';
import { NotFoundError } from '../errors';
import type { ContainerRegistry } from '../services/container-registry.port';
import { INSTANCE_LABEL, MANAGED_LABEL } from '../services/container-spec';
import type { AppRecord } from './app.record';
import { replicaStateOf, type ReplicaState } from './app-status';

/** The replicas of an app as they are now: what its status, logs, stop and start work from. */
export interface ReplicaStateReader {
  /**
   * Every container of the app this Berth made (all releases), the live release's first, plus a
   * `missing` entry for each replica the live release should have and has not. With `probe`,
   * running live replicas are asked for the app's health path once.
   */
  replicas(app: AppRecord, options?: { probe?: boolean }): Promise<ReplicaState[]>;
}

export type ReplicaEngine = Pick<ContainerEngine, 'listContainers' | 'inspectContainer'>;

export interface EngineReplicaReaderOptions {
  /** This Berth's name in labels (`[server] instance`). */
  instance: string;
  probe: Prober;
  /** Longest a status probe may take, in ms (the app's own timeout when shorter). Default 2000. */
  probeTimeoutMs?: number;
  /** The node's address the proxy reaches replicas at (`[[nodes]] address`). Default: where the engine published them. */
  address?: string;
}

/** Reads replicas from the engine, by labels, keeping only the containers the registry says are Berth's. */
export class EngineReplicaReader implements ReplicaStateReader {
  constructor(
    private readonly engine: ReplicaEngine,
    private readonly registry: ContainerRegistry,
    private readonly releases: Pick<ReleaseStore, 'get'>,
    private readonly options: EngineReplicaReaderOptions,
  ) {}

  async replicas(app: AppRecord, options: { probe?: boolean } = {}): Promise<ReplicaState[]> {
    const labels = [`${MANAGED_LABEL}=true`, `${INSTANCE_LABEL}=${this.options.instance}`, `${APP_LABEL}=${app.name}`];
    const found = await this.engine.listContainers({ all: true, labels });
    const ours = await this.registry.recorded(found.map((c) => c.id));
    const live = app.liveRelease !== undefined ? await this.releases.get(app.name, app.liveRelease) : undefined;
    const details = await Promise.all([...ours].map((id) => this.inspect(id)));
    const states = details.flatMap((d) => (d ? [stateOf(d, live?.port, this.options.address)] : []));
    if (app.liveRelease !== undefined) states.push(...missing(app.name, app.liveRelease, live?.config.replicas ?? 0, states));
    const sorted = order(states, app.liveRelease);
    if (options.probe && app.liveRelease !== undefined) await this.probeLive(sorted, app);
    return sorted;
  }

  /** Undefined when the container went between the list and now (removed by a deploy's drain). */
  private async inspect(id: string): Promise<ContainerDetails | undefined> {
    try {
      return await this.engine.inspectContainer(id);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  private async probeLive(replicas: ReplicaState[], app: AppRecord): Promise<void> {
    const check = app.config.healthCheck;
    const timeoutMs = Math.min(this.options.probeTimeoutMs ?? 2000, check.timeoutSeconds * 1000);
    const targets = replicas.filter((r) => r.release === app.liveRelease && r.state === 'running' && r.address);
    await Promise.all(
      targets.map(async (r) => {
        const [host, port] = splitAddress(r.address ?? '');
        const result = await this.options.probe({ host, port, path: check.path }, timeoutMs, new AbortController().signal);
        r.health = { healthy: result.ok, detail: describeProbe(result) };
      }),
    );
  }
}

function stateOf(c: ContainerDetails, port: number | undefined, address: string | undefined): ReplicaState {
  const published = c.ports.find((p) => p.protocol === 'tcp' && p.hostPort && (port === undefined || p.containerPort === port));
  return {
    replica: positive(c.labels[REPLICA_LABEL]),
    release: positive(c.labels[RELEASE_LABEL]),
    containerId: c.id,
    name: c.name,
    state: replicaStateOf(c.state.status, c.state.running),
    restarts: c.restartCount,
    ...(published?.hostPort ? { address: `${address ?? (published.hostIp || '127.0.0.1')}:${published.hostPort}` } : {}),
    ...(c.state.startedAt && !c.state.startedAt.startsWith('0001-') ? { startedAt: c.state.startedAt } : {}),
  };
}

/** The live release's replica numbers with no container. */
function missing(app: string, release: number, expected: number, found: readonly ReplicaState[]): ReplicaState[] {
  const present = new Set(found.filter((r) => r.release === release).map((r) => r.replica));
  const numbers = Array.from({ length: expected }, (_, i) => i + 1).filter((n) => !present.has(n));
  return numbers.map((n) => ({ replica: n, release, name: replicaName(app, release, n), state: 'missing' as const, restarts: 0 }));
}

function order(states: ReplicaState[], liveRelease: number | undefined): ReplicaState[] {
  const rank = (r: ReplicaState) => (r.release === liveRelease ? Number.MAX_SAFE_INTEGER : r.release);
  return states.sort((a, b) => rank(b) - rank(a) || a.replica - b.replica);
}

/** A label's number; 0 when the label is absent or odd (the container is then nobody's replica). */
function positive(value: string | undefined): number {
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : 0;
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon).replace(/^\[|\]$/g, ''), Number(address.slice(colon + 1))];
}
