import type { AppRecord, AppSecrets, AppStore } from '../app.record';

/**
 * AppStore in memory, for unit tests: the same rules as the Redis store (names and domains unique,
 * versions checked, secrets versions never reused), and `beforeUpdate` to let another writer in first.
 */
export class MemoryAppStore implements AppStore {
  readonly records = new Map<string, AppRecord>();
  /** `<name>:<version>` → secrets. */
  readonly secretVersions = new Map<string, AppSecrets>();
  private readonly seq = new Map<string, number>();
  /** Runs before each update is checked: a test's concurrent writer. */
  beforeUpdate?: (name: string) => void;

  async create(record: AppRecord, secrets: AppSecrets): Promise<boolean> {
    if (this.records.has(record.name) || this.domainTaken(record)) return false;
    this.records.set(record.name, structuredClone(record));
    this.secretVersions.set(`${record.name}:1`, structuredClone(secrets));
    this.seq.set(record.name, 1);
    return true;
  }

  async get(name: string): Promise<AppRecord | undefined> {
    const record = this.records.get(name);
    return record ? structuredClone(record) : undefined;
  }

  async list(): Promise<AppRecord[]> {
    return [...this.records.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((r) => structuredClone(r));
  }

  async update(next: AppRecord, expectedVersion: number, secrets?: { version: number; value: AppSecrets }): Promise<boolean> {
    this.beforeUpdate?.(next.name);
    if (next.version !== expectedVersion + 1) throw new Error('an app update must bump the version by one');
    if (secrets && next.config.secretsVersion !== secrets.version) throw new Error('the record must name the secrets version it stores');
    if (this.records.get(next.name)?.version !== expectedVersion || this.domainTaken(next)) return false;
    if (secrets) this.secretVersions.set(`${next.name}:${secrets.version}`, structuredClone(secrets.value));
    this.records.set(next.name, structuredClone(next));
    return true;
  }

  async nextSecretsVersion(name: string): Promise<number> {
    const next = (this.seq.get(name) ?? 0) + 1;
    this.seq.set(name, next);
    return next;
  }

  async secrets(name: string, version: number): Promise<AppSecrets | undefined> {
    const value = this.secretVersions.get(`${name}:${version}`);
    return value ? structuredClone(value) : undefined;
  }

  async pruneSecrets(name: string, keep: readonly number[]): Promise<void> {
    for (const key of [...this.secretVersions.keys()]) {
      const [app, version] = key.split(':');
      if (app === name && !keep.includes(Number(version))) this.secretVersions.delete(key);
    }
  }

  /** The secrets versions kept for the app, in order. */
  versions(name: string): number[] {
    return [...this.secretVersions.keys()]
      .filter((key) => key.startsWith(`${name}:`))
      .map((key) => Number(key.slice(name.length + 1)))
      .sort((a, b) => a - b);
  }

  private domainTaken(record: AppRecord): boolean {
    return [...this.records.values()].some((other) => other.name !== record.name && other.domains.some((d) => record.domains.includes(d)));
  }

  async remove(name: string): Promise<void> {
    this.records.delete(name);
    this.seq.delete(name);
    await this.pruneSecrets(name, []);
  }
}
