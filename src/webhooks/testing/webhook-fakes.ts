import type { AppRecord, AppSecrets, AppStore } from '../../apps/app.record';
import { appRecord } from '../../apps/testing/app-record.fixture';
import type { ChangedFilesRequest, CloneRequest, GitClient } from '../../git/git.port';
import type { DeployRequest, DeployRequester, DeployRequestResult } from '../deploy-requester.port';

/** Apps in memory, with the AppStore's version and secrets-version rules. */
export class MemoryAppStore implements AppStore {
  private readonly records = new Map<string, AppRecord>();
  private readonly sealed = new Map<string, AppSecrets>();
  private readonly sequences = new Map<string, number>();

  create(record: AppRecord, secrets: AppSecrets): Promise<boolean> {
    if (this.records.has(record.name)) return Promise.resolve(false);
    this.records.set(record.name, structuredClone(record));
    this.sealed.set(`${record.name}:1`, structuredClone(secrets));
    this.sequences.set(record.name, 1);
    return Promise.resolve(true);
  }

  get(name: string): Promise<AppRecord | undefined> {
    const found = this.records.get(name);
    return Promise.resolve(found ? structuredClone(found) : undefined);
  }

  list(): Promise<AppRecord[]> {
    return Promise.resolve([...this.records.values()].sort((a, b) => a.name.localeCompare(b.name)).map((r) => structuredClone(r)));
  }

  update(next: AppRecord, expectedVersion: number, secrets?: { version: number; value: AppSecrets }): Promise<boolean> {
    const current = this.records.get(next.name);
    if (current?.version !== expectedVersion) return Promise.resolve(false);
    if (secrets) this.sealed.set(`${next.name}:${secrets.version}`, structuredClone(secrets.value));
    this.records.set(next.name, structuredClone(next));
    return Promise.resolve(true);
  }

  nextSecretsVersion(name: string): Promise<number> {
    const next = (this.sequences.get(name) ?? 0) + 1;
    this.sequences.set(name, next);
    return Promise.resolve(next);
  }

  secrets(name: string, version: number): Promise<AppSecrets | undefined> {
    const found = this.sealed.get(`${name}:${version}`);
    return Promise.resolve(found ? structuredClone(found) : undefined);
  }

  pruneSecrets(name: string, keep: readonly number[]): Promise<void> {
    for (const key of [...this.sealed.keys()]) {
      const [app, version] = key.split(':');
      if (app === name && !keep.includes(Number(version))) this.sealed.delete(key);
    }
    return Promise.resolve();
  }

  remove(name: string): Promise<void> {
    this.records.delete(name);
    for (const key of [...this.sealed.keys()]) if (key.startsWith(`${name}:`)) this.sealed.delete(key);
    return Promise.resolve();
  }
}

/** A git app record as the app service would store it. */
export function gitApp(name: string, gitRepo: string, extra: Partial<AppRecord> & { branch?: string } = {}): AppRecord {
  const { branch = 'main', ...rest } = extra;
  return appRecord(name, { source: { type: 'git', build: { git_repo: gitRepo, git_branch: branch, buildpack_type: 'dockerfile' } }, ...rest });
}

/** Records every deploy; answers what `next` says (a new deployment by default). */
export class FakeDeployRequester implements DeployRequester {
  readonly calls: Array<{ app: string; request: DeployRequest }> = [];
  next: Omit<DeployRequestResult, 'deployment'> = { created: true };
  private n = 0;

  deploy(app: string, request: DeployRequest): Promise<DeployRequestResult> {
    this.calls.push({ app, request: { ...request } });
    this.n += 1;
    return Promise.resolve({ ...this.next, deployment: { id: `dep-${this.n}`, status: this.next.created ? 'queued' : 'building' } });
  }
}

/** Answers `files` (or throws `failure`) for every changed-files request, recording it. */
export class FakeChangesGitClient implements GitClient {
  readonly requests: ChangedFilesRequest[] = [];
  files: string[] = [];
  failure: Error | undefined;

  clone(_request: CloneRequest): Promise<{ commit: string }> {
    return Promise.reject(new Error('webhooks never clone'));
  }

  changedFiles(request: ChangedFilesRequest): Promise<string[]> {
    this.requests.push(request);
    return this.failure ? Promise.reject(this.failure) : Promise.resolve([...this.files]);
  }
}
