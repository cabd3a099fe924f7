import type { Redis } from 'ioredis';
import { APPEND_FENCED_LOG, FENCE, fenceArg } from '../redis/fenced-log.scripts';
import { encodeLogLines, readLogLines, truncationNotice } from '../redis/log-lines';
import { redisCall } from '../redis/redis-call';
import type { JobLogLine, JobRecord, JobSpec, JobStatus, JobStore, JobUpdate } from './job.record';

export interface RedisJobStoreOptions {
  prefix: string;
  /** Bytes of log kept per job. */
  logMaxBytes: number;
  /** Seconds an ended job is kept. */
  retentionSeconds: number;
}

const ENDED = `local function ended(s) return s == 'succeeded' or s == 'failed' or s == 'timeout' or s == 'cancelled' end`;

// KEYS: record. ARGV: attempt, status, field, value...
const TRANSITION = `${FENCE}
${ENDED}
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return -1 end
if ended(current) then return 0 end
if stale(ARGV[1]) then return -2 end
redis.call('HSET', KEYS[1], 'status', unpack(ARGV, 2))
-- An ended job's sealed credentials go in the same step: nothing reads them any more.
if ended(ARGV[2]) then redis.call('HDEL', KEYS[1], 'secrets') end
return 1`;

const COUNT_ATTEMPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[1], 'attempts', 1)`;

const FIELDS: Record<keyof JobUpdate, string> = {
  startedAt: 'started_at',
  endedAt: 'ended_at',
  exitCode: 'exit_code',
  oomKilled: 'oom_killed',
  commit: 'commit',
  error: 'error',
  outputBytes: 'output_bytes',
};

/** JobStore on Redis: a hash per job, a list for its log, a sorted set by creation time as the index. */
export class RedisJobStore implements JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisJobStoreOptions,
  ) {}

  async create(spec: JobSpec, createdAt: string, sealedCredentials?: string): Promise<void> {
    const fields = [
      'spec',
      JSON.stringify(spec),
      'status',
      'queued',
      'created_at',
      createdAt,
      'attempts',
      '0',
      ...(sealedCredentials ? ['secrets', sealedCredentials] : []),
    ];
    await redisCall(() =>
      this.redis
        .multi()
        .hset(this.key(spec.id), ...fields)
        .zadd(this.index(), Date.parse(createdAt), spec.id)
        .exec(),
    );
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const hash = await redisCall(() => this.redis.hgetall(this.key(id)));
    return hash.spec && hash.status ? toRecord(hash) : undefined;
  }

  async list(filter: { status?: JobStatus; limit: number; offset: number }): Promise<{ records: JobRecord[]; total: number }> {
    const ids = await redisCall(() => this.redis.zrevrange(this.index(), 0, -1));
    const records: JobRecord[] = [];
    const gone: string[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const page = ids.slice(i, i + 500);
      const pipeline = this.redis.pipeline();
      for (const id of page) pipeline.hgetall(this.key(id));
      const results = (await redisCall(() => pipeline.exec())) ?? [];
      results.forEach(([, hash], n) => {
        const h = hash as Record<string, string>;
        if (h.spec && h.status) records.push(toRecord(h));
        else gone.push(page[n] ?? '');
      });
    }
    if (gone.length > 0) await redisCall(() => this.redis.zrem(this.index(), ...gone));
    const matching = filter.status ? records.filter((r) => r.status === filter.status) : records;
    return { records: matching.slice(filter.offset, filter.offset + filter.limit), total: matching.length };
  }

  async transition(id: string, status: JobStatus, update: JobUpdate = {}, attempt?: number): Promise<boolean> {
    const args: string[] = [];
    for (const [name, value] of Object.entries(update) as Array<[keyof JobUpdate, unknown]>) {
      if (value !== undefined) args.push(FIELDS[name], typeof value === 'string' ? value : JSON.stringify(value));
    }
    return (await redisCall(() => this.redis.eval(TRANSITION, 1, this.key(id), fenceArg(attempt), status, ...args))) === 1;
  }

  async countAttempt(id: string): Promise<number> {
    return Number(await redisCall(() => this.redis.eval(COUNT_ATTEMPT, 1, this.key(id))));
  }

  async requestCancel(id: string): Promise<void> {
    await redisCall(() => this.redis.hset(this.key(id), 'cancel_requested', '1'));
  }

  async appendLog(id: string, lines: Array<{ time: string; text: string }>, attempt?: number): Promise<boolean> {
    if (lines.length === 0) return false;
    const notice = truncationNotice(this.options.logMaxBytes, 'the job');
    const encoded = encodeLogLines(lines);
    const appended = await redisCall(() =>
      this.redis.eval(APPEND_FENCED_LOG, 2, this.key(id), this.logKey(id), this.options.logMaxBytes, notice, fenceArg(attempt), ...encoded),
    );
    return appended === 0;
  }

  async readLog(id: string, fromSeq: number): Promise<JobLogLine[]> {
    return readLogLines(this.redis, this.logKey(id), fromSeq);
  }

  async expire(id: string): Promise<void> {
    const seconds = this.options.retentionSeconds;
    await redisCall(() => this.redis.multi().expire(this.key(id), seconds).expire(this.logKey(id), seconds).exec());
  }

  async remove(id: string): Promise<void> {
    await redisCall(() => this.redis.multi().del(this.key(id), this.logKey(id)).zrem(this.index(), id).exec());
  }

  private key(id: string): string {
    return `${this.options.prefix}:job:${id}`;
  }

  private logKey(id: string): string {
    return `${this.options.prefix}:job:${id}:log`;
  }

  private index(): string {
    return `${this.options.prefix}:jobs`;
  }
}

function toRecord(h: Record<string, string>): JobRecord {
  return {
    spec: JSON.parse(h.spec ?? '{}') as JobSpec,
    status: h.status as JobStatus,
    createdAt: h.created_at ?? '',
    ...(h.started_at ? { startedAt: h.started_at } : {}),
    ...(h.ended_at ? { endedAt: h.ended_at } : {}),
    ...(h.exit_code !== undefined ? { exitCode: Number(h.exit_code) } : {}),
    ...(h.oom_killed !== undefined ? { oomKilled: h.oom_killed === 'true' } : {}),
    ...(h.commit ? { commit: h.commit } : {}),
    ...(h.error ? { error: JSON.parse(h.error) as JobRecord['error'] } : {}),
    ...(h.output_bytes !== undefined ? { outputBytes: Number(h.output_bytes) } : {}),
    attempts: Number(h.attempts ?? 0),
    cancelRequested: h.cancel_requested === '1',
    ...(h.secrets ? { sealedCredentials: h.secrets } : {}),
    logTruncated: h.log_truncated === '1',
  };
}
