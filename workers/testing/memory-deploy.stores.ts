import type { AppRecord, AppSecrets, AppStore } from '../../src/apps/app.record';
import {
  DEPLOYMENT_ENDS,
  type DeploymentLogLine,
  type DeploymentRecord,
  type DeploymentStatus,
  type DeploymentStore,
  type DeploymentUpdate,
  type ReleaseRecord,
  type ReleaseStore,
} from '../../src/deploys/deployment.record';

/** Apps and their sealed-apart secrets versions in memory, with the optimistic version check. */
export class MemoryAppStore implements AppStore {
  readonly records = new Map<string, AppRecord>();
  readonly secretVersions = new Map<string, Map<number, AppSecrets>>();
  private readonly seq = new Map<string, number>();
  /** Runs before each update: a test changes the record under the writer here. */
  beforeUpdate: ((name: string) => void) | undefined;

  async create(record: AppRecord, secrets: AppSecrets): Promise<boolean> {
    if (this.records.has(record.name)) return false;
    this.records.set(record.name, structuredClone(record));
    this.secretVersions.set(record.name, new Map([[1, structuredClone(secrets)]]));
    this.seq.set(record.name, 1);
    return true;
  }
  async get(name: string): Promise<AppRecord | undefined> {
    const r = this.records.get(name);
    return r && structuredClone(r);
  }
  async list(): Promise<AppRecord[]> {
    return [...this.records.values()].sort((a, b) => a.name.localeCompare(b.name)).map((r) => structuredClone(r));
  }
  async update(next: AppRecord, expectedVersion: number, secrets?: { version: number; value: AppSecrets }): Promise<boolean> {
    this.beforeUpdate?.(next.name);
    const current = this.records.get(next.name);
    if (!current || current.version !== expectedVersion || next.version !== expectedVersion + 1) return false;
    if (secrets) this.secretVersions.get(next.name)?.set(secrets.version, structuredClone(secrets.value));
    this.records.set(next.name, structuredClone(next));
    return true;
  }
  async nextSecretsVersion(name: string): Promise<number> {
    const n = (this.seq.get(name) ?? 0) + 1;
    this.seq.set(name, n);
    return n;
  }
  async secrets(name: string, version: number): Promise<AppSecrets | undefined> {
    const s = this.secretVersions.get(name)?.get(version);
    return s && structuredClone(s);
  }
  async pruneSecrets(name: string, keep: readonly number[]): Promise<void> {
    const versions = this.secretVersions.get(name);
    for (const v of [...(versions?.keys() ?? [])]) if (!keep.includes(v)) versions?.delete(v);
  }
  async remove(name: string): Promise<void> {
    this.records.delete(name);
    this.secretVersions.delete(name);
  }
}

/** Deployments with the store's rules: fenced writes, no write after the end, one claim per app, latest wins. */
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
    for (const r of this.records.values()) {
      if (r.app === record.app && r.status === 'queued' && this.claims.get(r.app) !== r.id) {
        r.status = 'superseded';
        r.times.superseded = new Date().toISOString();
        superseded.push(r.id);
      }
    }
    this.records.set(record.id, structuredClone(record));
    return { superseded };
  }
  async get(id: string): Promise<DeploymentRecord | undefined> {
    const r = this.records.get(id);
    return r && structuredClone(r);
  }
  async list(app: string, limit: number, offset: number): Promise<{ records: DeploymentRecord[]; total: number }> {
    const all = [...this.records.values()].filter((r) => r.app === app).reverse();
    return { records: all.slice(offset, offset + limit).map((r) => structuredClone(r)), total: all.length };
  }
  async active(app: string): Promise<DeploymentRecord[]> {
    return [...this.records.values()].filter((r) => r.app === app && !DEPLOYMENT_ENDS.has(r.status)).map((r) => structuredClone(r));
  }
  async claim(app: string, id: string): Promise<boolean> {
    const holder = this.claims.get(app);
    const held = holder !== undefined && holder !== id && !DEPLOYMENT_ENDS.has(this.records.get(holder)?.status ?? 'succeeded');
    if (held) return false;
    this.claims.set(app, id);
    return true;
  }
  async countAttempt(id: string): Promise<number> {
    const r = this.records.get(id);
    if (!r) return 0;
    r.attempts += 1;
    return r.attempts;
  }
  async transition(id: string, status: DeploymentStatus, update: DeploymentUpdate = {}, attempt?: number): Promise<boolean> {
    const r = this.writable(id, attempt);
    if (!r) return false;
    Object.assign(r, structuredClone(update), { status });
    r.times[status] = new Date().toISOString();
    if (DEPLOYMENT_ENDS.has(status) && this.claims.get(r.app) === id) this.claims.delete(r.app);
    this.transitions.push(`${id} ${status}`);
    this.afterTransition?.(id, status);
    return true;
  }
  async update(id: string, update: DeploymentUpdate, attempt?: number): Promise<boolean> {
    const r = this.writable(id, attempt);
    if (r) Object.assign(r, structuredClone(update));
    return r !== undefined;
  }
  async requestCancel(id: string): Promise<void> {
    const r = this.records.get(id);
    if (r) r.cancelRequested = true;
  }
  async appendLog(id: string, lines: Array<{ time: string; text: string }>, attempt?: number): Promise<boolean> {
    const r = this.records.get(id);
    if (!r || (attempt !== undefined && attempt !== r.attempts)) return false;
    const log = this.logs.get(id) ?? [];
    for (const l of lines) log.push({ seq: log.length, ...l });
    this.logs.set(id, log);
    return true;
  }
  async readLog(id: string, fromSeq: number): Promise<DeploymentLogLine[]> {
    return (this.logs.get(id) ?? []).slice(fromSeq);
  }
  async removeApp(app: string): Promise<void> {
    for (const [id, r] of this.records) if (r.app === app) this.records.delete(id);
  }

  /** The log's texts. */
  text(id: string): string[] {
    return (this.logs.get(id) ?? []).map((l) => l.text);
  }

  private writable(id: string, attempt: number | undefined): DeploymentRecord | undefined {
    const r = this.records.get(id);
    if (!r || DEPLOYMENT_ENDS.has(r.status) || (attempt !== undefined && attempt !== r.attempts)) return undefined;
    return r;
  }
}

/** Releases: numbers never reused, the newest `keep` kept. */
export class MemoryReleaseStore implements ReleaseStore {
  readonly records = new Map<string, ReleaseRecord[]>();
  private readonly seq = new Map<string, number>();

  async reserve(app: string): Promise<number> {
    const n = (this.seq.get(app) ?? 0) + 1;
    this.seq.set(app, n);
    return n;
  }
  async add(release: ReleaseRecord, keep: number): Promise<number[]> {
    this.seq.set(release.app, Math.max(this.seq.get(release.app) ?? 0, release.number));
    const list = [...(this.records.get(release.app) ?? []).filter((r) => r.number !== release.number), structuredClone(release)];
    list.sort((a, b) => b.number - a.number);
    this.records.set(release.app, list.slice(0, keep));
    return list.slice(keep).map((r) => r.number);
  }
  async get(app: string, number: number): Promise<ReleaseRecord | undefined> {
    const r = this.records.get(app)?.find((x) => x.number === number);
    return r && structuredClone(r);
  }
  async list(app: string): Promise<ReleaseRecord[]> {
    return (this.records.get(app) ?? []).map((r) => structuredClone(r));
  }
  async removeApp(app: string): Promise<void> {
    this.records.delete(app);
  }
}
