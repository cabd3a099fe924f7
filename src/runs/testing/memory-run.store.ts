import { isEnded, type RunLogLine, type RunRecord, type RunStatus, type RunStore } from '../run.record';

/** RunStore in memory, for unit tests. */
export class MemoryRunStore implements RunStore {
  readonly records = new Map<string, RunRecord>();
  readonly logs = new Map<string, RunLogLine[]>();

  async create(record: RunRecord): Promise<void> {
    this.records.set(record.id, structuredClone(record));
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const r = this.records.get(id);
    return r ? structuredClone(r) : undefined;
  }

  async save(record: RunRecord): Promise<void> {
    this.records.set(record.id, structuredClone(record));
  }

  async list(options: { status?: RunStatus; limit: number; offset: number }): Promise<{ records: RunRecord[]; total: number }> {
    const all = [...this.records.values()].filter((r) => !options.status || r.status === options.status).reverse();
    return { records: all.slice(options.offset, options.offset + options.limit), total: all.length };
  }

  async appendLog(id: string, lines: Array<Omit<RunLogLine, 'seq'>>): Promise<void> {
    const log = this.logs.get(id) ?? [];
    for (const l of lines) log.push({ ...l, seq: log.length });
    this.logs.set(id, log);
  }

  async readLog(id: string, fromSeq: number): Promise<RunLogLine[]> {
    return (this.logs.get(id) ?? []).slice(fromSeq);
  }

  async remove(id: string): Promise<void> {
    this.records.delete(id);
    this.logs.delete(id);
  }

  ended(id: string): boolean {
    const r = this.records.get(id);
    return !!r && isEnded(r.status);
  }
}
