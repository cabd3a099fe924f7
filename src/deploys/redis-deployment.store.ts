import type { Redis } from 'ioredis';
import { ConflictError } from '../errors';
import { fenceArg } from '../redis/fenced-log.scripts';
import { outcomeKey } from '../metrics/outcome.scripts';
import { encodeLogLines, readLogLines, truncationNotice } from '../redis/log-lines';
import { redisCall } from '../redis/redis-call';
import { DEPLOYMENT_ENDS, type DeploymentLogLine, type DeploymentRecord, type DeploymentStatus, type DeploymentStore, type DeploymentUpdate } from './deployment.record';
import { APPEND_LOG, CLAIM, COUNT_ATTEMPT, CREATE, TRANSITION, UPDATE } from './redis-deployment.scripts';

export interface RedisDeploymentStoreOptions {
  /** Key prefix (`[redis] prefix`). */
  prefix: string;
  /** Bytes of log kept per deployment. */
  logMaxBytes: number;
  /** Seconds an ended deployment's log (and, unless it succeeded, its record) is kept. */
  retentionSeconds: number;
}

/** Hash field of each record field; `json` ones are stored as JSON. */
const FIELDS: Array<[keyof DeploymentRecord, string, 'string' | 'number' | 'json']> = [
  ['app', 'app', 'string'],
  ['kind', 'kind', 'string'],
  ['trigger', 'trigger', 'string'],
  ['gitCommit', 'git_commit', 'string'],
  ['image', 'image', 'string'],
  ['rollbackOf', 'rollback_of', 'number'],
  ['buildId', 'build_id', 'string'],
  ['commit', 'commit', 'string'],
  ['imageId', 'image_id', 'string'],
  ['release', 'release', 'number'],
  ['slot', 'slot', 'string'],
  ['node', 'node', 'string'],
  ['previousRelease', 'previous_release', 'number'],
  ['previousNode', 'previous_node', 'string'],
  ['previousStopped', 'previous_stopped', 'json'],
  ['error', 'error', 'json'],
  ['reason', 'reason', 'string'],
];
const FIELD_OF = new Map(FIELDS.map(([name, field, type]) => [name, { field, type }]));

/** DeploymentStore on Redis: a hash per deployment, a list for its log, per app an index, an active set and a claim. */
export class RedisDeploymentStore implements DeploymentStore {
  /** A deployment's app never changes: remembered to name the app's keys in one round trip. */
  private readonly apps = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisDeploymentStoreOptions,
  ) {}

  async create(record: DeploymentRecord): Promise<{ superseded: string[] }> {
    const { id, app } = record;
    const now = record.times.queued ?? new Date().toISOString();
    const fields = [...fieldArgs(record), 'id', id, 'force', record.force ? '1' : '0'];
    const result = await redisCall(() =>
      this.redis.eval(
        CREATE,
        5,
        this.key(id),
        this.indexKey(app),
        this.activeKey(app),
        this.claimKey(app),
        outcomeKey(this.options.prefix, 'deployments'),
        id,
        Date.parse(now),
        now,
        this.options.prefix,
        this.options.retentionSeconds,
        ...fields,
      ),
    );
    if (result === null) throw new ConflictError('state_conflict', `deployment ${id} exists already`);
    return { superseded: result as string[] };
  }

  async get(id: string): Promise<DeploymentRecord | undefined> {
    const hash = await redisCall(() => this.redis.hgetall(this.key(id)));
    return hash.status && hash.app ? toRecord(hash) : undefined;
  }

  async list(app: string, limit: number, offset: number): Promise<{ records: DeploymentRecord[]; total: number }> {
    const ids = await redisCall(() => this.redis.zrevrange(this.indexKey(app), 0, -1));
    const records = await this.getMany(ids);
    const gone = ids.filter((_, i) => !records[i]);
    if (gone.length > 0) await redisCall(() => this.redis.zrem(this.indexKey(app), ...gone));
    const kept = records.filter((r): r is DeploymentRecord => r !== undefined);
    return { records: kept.slice(offset, offset + limit), total: kept.length };
  }

  async active(app: string): Promise<DeploymentRecord[]> {
    const ids = await redisCall(() => this.redis.smembers(this.activeKey(app)));
    const records = await this.getMany(ids);
    return records
      .filter((r): r is DeploymentRecord => r !== undefined && !DEPLOYMENT_ENDS.has(r.status))
      .sort((a, b) => (a.times.queued ?? '').localeCompare(b.times.queued ?? ''));
  }

  async claim(app: string, id: string): Promise<boolean> {
    return (await redisCall(() => this.redis.eval(CLAIM, 1, this.claimKey(app), id, this.options.prefix))) === 1;
  }

  async countAttempt(id: string): Promise<number> {
    return Number(await redisCall(() => this.redis.eval(COUNT_ATTEMPT, 1, this.key(id))));
  }

  async transition(id: string, status: DeploymentStatus, update: DeploymentUpdate = {}, attempt?: number): Promise<boolean> {
    const app = await this.appOf(id);
    if (app === undefined) return false;
    const args = [fenceArg(attempt), status, new Date().toISOString(), id, this.options.retentionSeconds, ...fieldArgs(update)];
    const keys = [this.key(id), this.logKey(id), this.activeKey(app), this.claimKey(app), outcomeKey(this.options.prefix, 'deployments')];
    return (await redisCall(() => this.redis.eval(TRANSITION, keys.length, ...keys, ...args))) === 1;
  }

  async update(id: string, update: DeploymentUpdate, attempt?: number): Promise<boolean> {
    const args = fieldArgs(update);
    if (args.length === 0) return true;
    return (await redisCall(() => this.redis.eval(UPDATE, 1, this.key(id), fenceArg(attempt), ...args))) === 1;
  }

  async requestCancel(id: string): Promise<void> {
    await redisCall(() => this.redis.eval(UPDATE, 1, this.key(id), '', 'cancel_requested', '1'));
  }

  async appendLog(id: string, lines: Array<{ time: string; text: string }>, attempt?: number): Promise<boolean> {
    if (lines.length === 0) return true;
    const cap = this.options.logMaxBytes;
    const notice = truncationNotice(cap, 'the deployment');
    const encoded = encodeLogLines(lines);
    return (await redisCall(() => this.redis.eval(APPEND_LOG, 2, this.key(id), this.logKey(id), cap, notice, fenceArg(attempt), ...encoded))) === 1;
  }

  async readLog(id: string, fromSeq: number): Promise<DeploymentLogLine[]> {
    return readLogLines(this.redis, this.logKey(id), fromSeq);
  }

  async removeApp(app: string): Promise<void> {
    const indexed = await redisCall(() => this.redis.zrange(this.indexKey(app), '0', '-1'));
    const active = await redisCall(() => this.redis.smembers(this.activeKey(app)));
    const ids = [...new Set([...indexed, ...active])];
    const keys = ids.flatMap((id) => [this.key(id), this.logKey(id)]);
    await redisCall(() => this.redis.del(this.indexKey(app), this.activeKey(app), this.claimKey(app), ...keys));
    for (const id of ids) this.apps.delete(id);
  }

  private async getMany(ids: string[]): Promise<Array<DeploymentRecord | undefined>> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(id));
    const results = (await redisCall(() => pipeline.exec())) ?? [];
    return results.map(([, hash]) => {
      const h = (hash ?? {}) as Record<string, string>;
      return h.status && h.app ? toRecord(h) : undefined;
    });
  }

  private async appOf(id: string): Promise<string | undefined> {
    const known = this.apps.get(id);
    if (known !== undefined) return known;
    const app = await redisCall(() => this.redis.hget(this.key(id), 'app'));
    if (app === null) return undefined;
    if (this.apps.size > 10_000) this.apps.clear();
    this.apps.set(id, app);
    return app;
  }

  private key(id: string): string {
    return `${this.options.prefix}:deploy:${id}`;
  }

  private logKey(id: string): string {
    return `${this.options.prefix}:deploy:${id}:log`;
  }

  private indexKey(app: string): string {
    return `${this.options.prefix}:app:${app}:deploys`;
  }

  private activeKey(app: string): string {
    return `${this.options.prefix}:app:${app}:deploys-active`;
  }

  private claimKey(app: string): string {
    return `${this.options.prefix}:app:${app}:claim`;
  }
}

function fieldArgs(values: Partial<DeploymentRecord>): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(values) as Array<[keyof DeploymentRecord, string | number | boolean | object | undefined]>) {
    const spec = FIELD_OF.get(name);
    if (!spec || value === undefined) continue;
    args.push(spec.field, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return args;
}

function toRecord(h: Record<string, string>): DeploymentRecord {
  const record: Record<string, unknown> = {
    id: h.id,
    status: h.status,
    force: h.force === '1',
    attempts: Number(h.attempts ?? 0),
    times: Object.fromEntries(Object.entries(h).flatMap(([k, v]) => (k.startsWith('t:') ? [[k.slice(2), v]] : []))),
  };
  for (const [name, field, type] of FIELDS) {
    const value = h[field];
    if (value === undefined) continue;
    record[name] = type === 'json' ? JSON.parse(value) : type === 'number' ? Number(value) : value;
  }
  if (h.cancel_requested === '1') record.cancelRequested = true;
  if (h.log_truncated === '1') record.logTruncated = true;
  return record as unknown as DeploymentRecord;
}
