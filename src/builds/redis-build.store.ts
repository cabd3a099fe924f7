import type { Redis } from 'ioredis';
import { UnavailableError } from '../errors';
import { APPEND_FENCED_LOG, FENCE, fenceArg } from '../redis/fenced-log.scripts';
import { encodeLogLines, readLogLines, truncationNotice } from '../redis/log-lines';
import { redisCall } from '../redis/redis-call';
import { RECORD_OUTCOME, outcomeKey } from '../metrics/outcome.scripts';
import type { BuildSpec } from './build-request';
import { TERMINAL, type BuildRecord, type BuildStatus, type BuildStore, type BuildUpdate, type LogEntry } from './build.record';

export interface RedisBuildStoreOptions {
  /** Key prefix (`[redis] prefix`). */
  prefix: string;
  /** Bytes of log kept per build. */
  logMaxBytes: number;
  /** Seconds a finished build is kept. */
  retentionSeconds: number;
}

// Sets status and fields unless the build has ended or the attempt is stale.
// KEYS: record, sealed values, outcome metrics. ARGV: attempt, status, field, value...
const TRANSITION = `${FENCE}${RECORD_OUTCOME}
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return -1 end
if current == 'succeeded' or current == 'failed' or current == 'cancelled' then return 0 end
if stale(ARGV[1]) then return -2 end
redis.call('HSET', KEYS[1], 'status', unpack(ARGV, 2))
-- An ended build's sealed values go in the same step: nothing reads them any more.
if ARGV[2] == 'succeeded' or ARGV[2] == 'failed' or ARGV[2] == 'cancelled' then
  redis.call('DEL', KEYS[2])
  -- Counted once, here: its duration runs from the first step of work (none when cancelled while queued).
  local t = redis.call('HMGET', KEYS[1], 'queued_at', 'cloning_at', 'building_at', 'finished_at')
  record_outcome(KEYS[3], ARGV[2], t[1], t[2] or t[3], t[4])
end
return 1`;

// Sets fields of an existing build unless the attempt is stale. KEYS: record. ARGV: attempt, field, value...
const UPDATE = `${FENCE}
if redis.call('EXISTS', KEYS[1]) == 0 or stale(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1`;

// Counts a take-up of an existing build (never makes a record of a forgotten one). KEYS: record.
const COUNT_ATTEMPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[1], 'attempts', 1)`;

// Creates a build unless its id is taken. KEYS: record, index. ARGV: spec, queued_at, score, id.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'spec', ARGV[1], 'status', 'queued', 'queued_at', ARGV[2], 'attempts', '0')
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
if ARGV[5] ~= '' then redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[6]) end
return 1`;

const JSON_FIELDS = ['spec', 'images', 'error', 'plan', 'publishing'] as const;
const FIELD_NAMES: Record<keyof BuildUpdate, string> = {
  cloningAt: 'cloning_at',
  buildingAt: 'building_at',
  finishedAt: 'finished_at',
  commit: 'commit',
  images: 'images',
  error: 'error',
  plan: 'plan',
  publishing: 'publishing',
};

/** BuildStore on Redis: a hash per build, a list for its log, a sorted set as the index. */
export class RedisBuildStore implements BuildStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisBuildStoreOptions,
  ) {}

  async create(spec: BuildSpec, now: string, secrets?: string): Promise<{ created: boolean; record: BuildRecord }> {
    const { retentionSeconds } = this.options;
    const created = await redisCall(() =>
      this.redis.eval(
        CREATE,
        3,
        this.key(spec.id),
        this.indexKey(),
        this.secretKey(spec.id),
        JSON.stringify(spec),
        now,
        Date.parse(now),
        spec.id,
        secrets ?? '',
        retentionSeconds,
      ),
    );
    const record = await this.get(spec.id);
    if (!record) throw new UnavailableError('redis', 'build record vanished while being created');
    return { created: created === 1, record };
  }

  async get(id: string): Promise<BuildRecord | undefined> {
    const hash = await redisCall(() => this.redis.hgetall(this.key(id)));
    return hash.spec && hash.status ? toRecord(hash) : undefined;
  }

  async list(filter: { status?: BuildStatus; limit: number; offset: number }): Promise<{ records: BuildRecord[]; total: number }> {
    const ids = await redisCall(() => this.redis.zrevrange(this.indexKey(), 0, -1));
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(id));
    const results = ids.length > 0 ? ((await redisCall(() => pipeline.exec())) ?? []) : [];
    const records: BuildRecord[] = [];
    const gone: string[] = [];
    results.forEach(([, hash], i) => {
      const h = hash as Record<string, string>;
      if (h.spec && h.status) records.push(toRecord(h));
      else gone.push(ids[i] ?? '');
    });
    if (gone.length > 0) await redisCall(() => this.redis.zrem(this.indexKey(), ...gone));
    const matching = filter.status ? records.filter((r) => r.status === filter.status) : records;
    return { records: matching.slice(filter.offset, filter.offset + filter.limit), total: matching.length };
  }

  async transition(id: string, status: BuildStatus, update: BuildUpdate = {}, attempt?: number): Promise<boolean> {
    const args = [fenceArg(attempt), status, ...fieldArgs(update)];
    const result = await redisCall(() => this.redis.eval(TRANSITION, 3, this.key(id), this.secretKey(id), outcomeKey(this.options.prefix, 'builds'), ...args));
    return result === 1;
  }

  async update(id: string, update: BuildUpdate, attempt?: number): Promise<boolean> {
    const args = fieldArgs(update);
    if (args.length === 0) return true;
    return (await redisCall(() => this.redis.eval(UPDATE, 1, this.key(id), fenceArg(attempt), ...args))) === 1;
  }

  async countAttempt(id: string): Promise<number> {
    return Number(await redisCall(() => this.redis.eval(COUNT_ATTEMPT, 1, this.key(id))));
  }

  async requestCancel(id: string): Promise<void> {
    await redisCall(() => this.redis.hset(this.key(id), 'cancel_requested', '1'));
  }

  async isCancelRequested(id: string): Promise<boolean> {
    return (await redisCall(() => this.redis.hget(this.key(id), 'cancel_requested'))) === '1';
  }

  async appendLog(id: string, lines: Array<{ time: string; text: string }>, attempt?: number): Promise<boolean> {
    if (lines.length === 0) return false;
    const notice = truncationNotice(this.options.logMaxBytes, 'the build');
    const encoded = encodeLogLines(lines);
    const appended = await redisCall(() =>
      this.redis.eval(APPEND_FENCED_LOG, 2, this.key(id), this.logKey(id), this.options.logMaxBytes, notice, fenceArg(attempt), ...encoded),
    );
    return appended === 0;
  }

  async readLog(id: string, fromSeq: number): Promise<LogEntry[]> {
    return readLogLines(this.redis, this.logKey(id), fromSeq);
  }

  async saveSecrets(id: string, secrets: string): Promise<void> {
    await redisCall(() => this.redis.set(this.secretKey(id), secrets, 'EX', this.options.retentionSeconds));
  }

  async takeSecrets(id: string): Promise<string | undefined> {
    return (await redisCall(() => this.redis.get(this.secretKey(id)))) ?? undefined;
  }

  async deleteSecrets(id: string): Promise<void> {
    await redisCall(() => this.redis.del(this.secretKey(id)));
  }

  async expire(id: string): Promise<void> {
    const seconds = this.options.retentionSeconds;
    await redisCall(() => this.redis.multi().expire(this.key(id), seconds).expire(this.logKey(id), seconds).del(this.secretKey(id)).exec());
  }

  async remove(id: string): Promise<void> {
    await redisCall(() => this.redis.multi().del(this.key(id), this.logKey(id), this.secretKey(id)).zrem(this.indexKey(), id).exec());
  }

  private key(id: string): string {
    return `${this.options.prefix}:build:${id}`;
  }

  private logKey(id: string): string {
    return `${this.options.prefix}:build:${id}:log`;
  }

  private secretKey(id: string): string {
    return `${this.options.prefix}:build:${id}:secret`;
  }

  private indexKey(): string {
    return `${this.options.prefix}:builds`;
  }
}

function fieldArgs(update: BuildUpdate): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(update) as Array<[keyof BuildUpdate, unknown]>) {
    if (value === undefined) continue;
    args.push(FIELD_NAMES[name], typeof value === 'string' ? value : JSON.stringify(value));
  }
  return args;
}

function toRecord(h: Record<string, string>): BuildRecord {
  const parsed: Partial<Record<(typeof JSON_FIELDS)[number], unknown>> = {};
  for (const f of JSON_FIELDS) if (h[f]) parsed[f] = JSON.parse(h[f]);
  return {
    spec: parsed.spec as BuildSpec,
    status: h.status as BuildStatus,
    queuedAt: h.queued_at ?? '',
    ...(h.cloning_at ? { cloningAt: h.cloning_at } : {}),
    ...(h.building_at ? { buildingAt: h.building_at } : {}),
    ...(h.finished_at ? { finishedAt: h.finished_at } : {}),
    ...(h.commit ? { commit: h.commit } : {}),
    ...(parsed.images ? { images: parsed.images as BuildRecord['images'] } : {}),
    ...(parsed.error ? { error: parsed.error as BuildRecord['error'] } : {}),
    ...(parsed.plan ? { plan: parsed.plan as BuildRecord['plan'] } : {}),
    ...(parsed.publishing ? { publishing: parsed.publishing as BuildRecord['publishing'] } : {}),
    attempts: Number(h.attempts ?? 0),
    cancelRequested: h.cancel_requested === '1',
    logTruncated: h.log_truncated === '1',
  };
}

export function isTerminal(status: BuildStatus): boolean {
  return TERMINAL.has(status);
}
