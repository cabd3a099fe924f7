import type { BuildSpec } from '../build-request';
import { TERMINAL, type BuildRecord, type BuildStatus, type BuildStore, type BuildUpdate, type LogEntry } from '../build.record';

/**
 * BuildStore in memory, for unit tests: the same rules as the Redis store (no transition out of
 * an ended build nor from a stale attempt, secrets kept until expiry), a record of every status change, and `failures`
 * to make a method throw.
 */
export class MemoryBuildStore implements BuildStore {
  readonly records = new Map<string, BuildRecord>();
  readonly logs = new Map<string, LogEntry[]>();
  readonly secrets = new Map<string, string>();
  /** Every accepted status change, in order. */
  readonly transitions: Array<{ id: string; status: BuildStatus; update: BuildUpdate }> = [];
  readonly expired: string[] = [];
  /** A method named here throws the error instead of doing its work. */
  readonly failures: Partial<Record<keyof BuildStore, Error>> = {};

  async create(spec: BuildSpec, now: string, secrets?: string): Promise<{ created: boolean; record: BuildRecord }> {
    this.fail('create');
    const existing = this.records.get(spec.id);
    if (existing) return { created: false, record: structuredClone(existing) };
    if (secrets !== undefined) this.secrets.set(spec.id, secrets);
    const record: BuildRecord = { spec: structuredClone(spec), status: 'queued', queuedAt: now, attempts: 0, cancelRequested: false, logTruncated: false };
    this.records.set(spec.id, record);
    return { created: true, record: structuredClone(record) };
  }

  async get(id: string): Promise<BuildRecord | undefined> {
    this.fail('get');
    const record = this.records.get(id);
    return record ? structuredClone(record) : undefined;
  }

  async list(filter: { status?: BuildStatus; limit: number; offset: number }): Promise<{ records: BuildRecord[]; total: number }> {
    this.fail('list');
    const matching = [...this.records.values()].filter((r) => !filter.status || r.status === filter.status).reverse();
    return { records: matching.slice(filter.offset, filter.offset + filter.limit).map((r) => structuredClone(r)), total: matching.length };
  }

  async transition(id: string, status: BuildStatus, update: BuildUpdate = {}, attempt?: number): Promise<boolean> {
    this.fail('transition');
    const record = this.records.get(id);
    if (!record || TERMINAL.has(record.status) || this.stale(record, attempt)) return false;
    Object.assign(record, structuredClone(update), { status });
    this.transitions.push({ id, status, update: structuredClone(update) });
    return true;
  }

  async update(id: string, update: BuildUpdate, attempt?: number): Promise<boolean> {
    this.fail('update');
    const record = this.records.get(id);
    if (!record || this.stale(record, attempt)) return false;
    Object.assign(record, structuredClone(update));
    return true;
  }

  async countAttempt(id: string): Promise<number> {
    this.fail('countAttempt');
    const record = this.records.get(id);
    if (!record) return 0;
    record.attempts += 1;
    return record.attempts;
  }

  async requestCancel(id: string): Promise<void> {
    this.fail('requestCancel');
    const record = this.records.get(id);
    if (record) record.cancelRequested = true;
  }

  async isCancelRequested(id: string): Promise<boolean> {
    this.fail('isCancelRequested');
    return this.records.get(id)?.cancelRequested ?? false;
  }

  async appendLog(id: string, lines: Array<{ time: string; text: string }>, attempt?: number): Promise<boolean> {
    this.fail('appendLog');
    const record = this.records.get(id);
    if (record && this.stale(record, attempt)) return true;
    const log = this.logs.get(id) ?? [];
    for (const line of lines) log.push({ seq: log.length, time: line.time, text: line.text });
    this.logs.set(id, log);
    return this.records.get(id)?.logTruncated ?? false;
  }

  async readLog(id: string, fromSeq: number): Promise<LogEntry[]> {
    this.fail('readLog');
    return (this.logs.get(id) ?? []).slice(fromSeq).map((l) => ({ ...l }));
  }

  async saveSecrets(id: string, secrets: string): Promise<void> {
    this.fail('saveSecrets');
    this.secrets.set(id, secrets);
  }

  async takeSecrets(id: string): Promise<string | undefined> {
    this.fail('takeSecrets');
    return this.secrets.get(id);
  }

  async deleteSecrets(id: string): Promise<void> {
    this.fail('deleteSecrets');
    this.secrets.delete(id);
  }

  async expire(id: string): Promise<void> {
    this.fail('expire');
    this.expired.push(id);
    this.secrets.delete(id);
  }

  async remove(id: string): Promise<void> {
    this.fail('remove');
    this.records.delete(id);
    this.logs.delete(id);
    this.secrets.delete(id);
  }

  /** The log's lines as text. */
  logText(id: string): string[] {
    return (this.logs.get(id) ?? []).map((l) => l.text);
  }

  /** The fence: a write from an attempt that is no longer the latest is refused. */
  private stale(record: BuildRecord, attempt: number | undefined): boolean {
    return attempt !== undefined && record.attempts !== attempt;
  }

  private fail(method: keyof BuildStore): void {
    const error = this.failures[method];
    if (error) throw error;
  }
}
