import {
  DEPLOYMENT_ENDS,
  type DeploymentLogLine,
  type DeploymentRecord,
  type DeploymentStatus,
  type DeploymentStore,
  type DeploymentUpdate,
  type ReleaseRecord,
  type ReleaseStore,
} from '../deployment.record';
import type { DeployQueue } from '../deploy-queue.port';

/**
 * DeploymentStore in memory, for unit tests: the rules of the Redis store (latest wins on create,
 * one claim per app, no change to an ended deployment nor from a stale attempt).
 */
export class MemoryDeploymentStore implements DeploymentStore {
  readonly records = new Map<string, DeploymentRecord>();
  readonly logs = new Map<string, DeploymentLogLine[]>();
  readonly claims = new Map<string, string>();
  /** Every accepted status change, in order: `<id> <status>`. */
  readonly transitions: string[] = [];
  /** Runs after each accepted status change (a test may stop the world there). */
  afterTransition: ((id: string, status: DeploymentStatus) => void) | undefined;

  async create(record: DeploymentRecord): Promise<{ superseded: string[] }> {
    const superseded: string[] = [];
    for (const other of this.records.values()) {
      if (other.app === record.app && other.status === 'queued' && this.claims.get(other.app) !== other.id) {
        other.status = 'superseded';
        other.times.superseded = new Date().toISOString();
        other.reason = `superseded by deployment ${record.id}`;
        superseded.push(other.id);
      }
    }
    this.records.set(record.id, structuredClone({ ...record, status: 'queued' }));
    return { superseded };
  }

  async get(id: string): Promise<DeploymentRecord | undefined> {
    const record = this.records.get(id);
    return record ? structuredClone(record) : undefined;
  }

  async list(app: string, limit: number, offset: number): Promise<{ records: DeploymentRecord[]; total: number }> {
    const all = [...this.records.values()].filter((r) => r.app === app).reverse();
    return { records: structuredClone(all.slice(offset, offset + limit)), total: all.length };
  }

  async active(app: string): Promise<DeploymentRecord[]> {
    return structuredClone([...this.records.values()].filter((r) => r.app === app && !DEPLOYMENT_ENDS.has(r.status)));
  }

  async claim(app: string, id: string): Promise<boolean> {
    const own = this.records.get(id);
    if (!own || DEPLOYMENT_ENDS.has(own.status)) return false;
    const holder = this.claims.get(app);
    const held = holder !== undefined ? this.records.get(holder) : undefined;
    if (holder !== id && held && !DEPLOYMENT_ENDS.has(held.status)) return false;
    this.claims.set(app, id);
    return true;
  }

  async countAttempt(id: string): Promise<number> {
    const record = this.records.get(id);
    if (!record) return 0;
    return ++record.attempts;
  }

  async transition(id: string, status: DeploymentStatus, update: DeploymentUpdate = {}, attempt?: number): Promise<boolean> {
    const record = this.writable(id, attempt);
    if (!record || DEPLOYMENT_ENDS.has(record.status)) return false;
    Object.assign(record, structuredClone(update), { status });
    record.times[status] = new Date().toISOString();
    if (DEPLOYMENT_ENDS.has(status) && this.claims.get(record.app) === id) this.claims.delete(record.app);
    this.transitions.push(`${id} ${status}`);
    this.afterTransition?.(id, status);
    return true;
  }

  async update(id: string, update: DeploymentUpdate, attempt?: number): Promise<boolean> {
    const record = this.writable(id, attempt);
    if (!record) return false;
    Object.assign(record, update);
    return true;
  }

  async requestCancel(id: string): Promise<void> {
    const record = this.records.get(id);
    if (record) record.cancelRequested = true;
  }

  async appendLog(id: string, lines: Array<{ time: string; text: string }>, attempt?: number): Promise<boolean> {
    if (!this.writable(id, attempt)) return false;
    const log = this.logs.get(id) ?? [];
    for (const line of lines) log.push({ seq: log.length, ...line });
    this.logs.set(id, log);
    return true;
  }

  async readLog(id: string, fromSeq: number): Promise<DeploymentLogLine[]> {
    return structuredClone((this.logs.get(id) ?? []).slice(fromSeq));
  }

  async removeApp(app: string): Promise<void> {
    for (const [id, record] of this.records) if (record.app === app) this.records.delete(id);
    this.claims.delete(app);
  }

  /** The log's texts. */
  text(id: string): string[] {
    return (this.logs.get(id) ?? []).map((l) => l.text);
  }

  private writable(id: string, attempt: number | undefined): DeploymentRecord | undefined {
    const record = this.records.get(id);
    if (!record || (attempt !== undefined && record.attempts !== attempt)) return undefined;
    return record;
  }
}

/** ReleaseStore in memory, for unit tests. */
export class MemoryReleaseStore implements ReleaseStore {
  readonly releases = new Map<string, ReleaseRecord>();
  private readonly seqs = new Map<string, number>();

  async reserve(app: string): Promise<number> {
    const next = (this.seqs.get(app) ?? 0) + 1;
    this.seqs.set(app, next);
    return next;
  }

  async add(release: ReleaseRecord, keep: number): Promise<number[]> {
    const key = `${release.app}:${release.number}`;
    if (!this.releases.has(key)) this.releases.set(key, structuredClone(release));
    const numbers = (await this.list(release.app)).map((r) => r.number);
    const dropped = numbers.slice(Math.max(1, keep)).sort((a, b) => a - b);
    for (const n of dropped) this.releases.delete(`${release.app}:${n}`);
    return dropped;
  }

  async get(app: string, number: number): Promise<ReleaseRecord | undefined> {
    const release = this.releases.get(`${app}:${number}`);
    return release ? structuredClone(release) : undefined;
  }

  async list(app: string): Promise<ReleaseRecord[]> {
    return structuredClone([...this.releases.values()].filter((r) => r.app === app).sort((a, b) => b.number - a.number));
  }

  async removeApp(app: string): Promise<void> {
    for (const [key, release] of this.releases) if (release.app === app) this.releases.delete(key);
    this.seqs.delete(app);
  }
}

/** DeployQueue in memory: `waiting` holds ids no worker has taken; `taken` ones are held by a worker. */
export class MemoryDeployQueue implements DeployQueue {
  readonly waiting = new Set<string>();
  readonly taken = new Set<string>();
  /** Set to make enqueue throw. */
  failEnqueue?: Error;

  async enqueue(deploymentId: string): Promise<void> {
    if (this.failEnqueue) throw this.failEnqueue;
    if (!this.taken.has(deploymentId)) this.waiting.add(deploymentId);
  }

  async removeIfWaiting(deploymentId: string): Promise<boolean> {
    return this.waiting.delete(deploymentId);
  }

  async close(): Promise<void> {}
}
