import type { Redis } from 'ioredis';
import { redisCall } from '../redis/redis-call';
import type { HistogramCounts, OutcomeReader, OutcomeSnapshot } from './metrics.port';
import { OUTCOME_BUCKETS, outcomeKey } from './outcome.scripts';

/** Results a record can end with: anything else in the hash is ignored (label values stay bounded). */
const RESULTS: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled', 'superseded', 'skipped']);

/** The outcome hashes the stores' Lua keeps (`outcome.scripts.ts`), read in one round trip. */
export class RedisOutcomeReader implements OutcomeReader {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async read(): Promise<{ builds: OutcomeSnapshot; deployments: OutcomeSnapshot }> {
    const [builds, deployments] = await redisCall(() =>
      Promise.all([this.redis.hgetall(outcomeKey(this.prefix, 'builds')), this.redis.hgetall(outcomeKey(this.prefix, 'deployments'))]),
    );
    return { builds: parseOutcomes(builds), deployments: parseOutcomes(deployments) };
  }
}

/** Histogram fields by prefix: duration (`c`, `s`, `b`) and wait (`wc`, `ws`, `wb`). */
const HISTOGRAM_FIELDS: Record<string, { of: 'durations' | 'waits'; part: 'count' | 'sum' | 'bucket' }> = {
  c: { of: 'durations', part: 'count' },
  s: { of: 'durations', part: 'sum' },
  b: { of: 'durations', part: 'bucket' },
  wc: { of: 'waits', part: 'count' },
  ws: { of: 'waits', part: 'sum' },
  wb: { of: 'waits', part: 'bucket' },
};

/** The hash's fields (`outcomeKey`) → a snapshot. */
export function parseOutcomes(hash: Record<string, string>): OutcomeSnapshot {
  const snapshot: OutcomeSnapshot = { ended: new Map(), durations: new Map(), waits: new Map() };
  const histogram = (of: 'durations' | 'waits', result: string): HistogramCounts => {
    let h = snapshot[of].get(result);
    if (!h) {
      h = { buckets: new Map(OUTCOME_BUCKETS.map((le) => [le, 0])), count: 0, sum: 0 };
      snapshot[of].set(result, h);
    }
    return h;
  };
  for (const [field, raw] of Object.entries(hash)) {
    const [kind = '', result, le] = field.split(':');
    const value = Number(raw);
    if (!result || !RESULTS.has(result) || !Number.isFinite(value)) continue;
    if (kind === 'n') {
      snapshot.ended.set(result, value);
      continue;
    }
    const f = HISTOGRAM_FIELDS[kind];
    if (!f) continue;
    if (f.part === 'bucket') {
      if (OUTCOME_BUCKETS.includes(Number(le))) histogram(f.of, result).buckets.set(Number(le), value);
    } else histogram(f.of, result)[f.part] = value;
  }
  return snapshot;
}
