import type { Redis } from 'ioredis';
import { redisCall } from '../redis/redis-call';
import type { OutcomeReader, OutcomeSnapshot } from './metrics.port';
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

/** `n:<result>`, `c:<result>`, `s:<result>`, `b:<result>:<le>` fields → a snapshot. */
export function parseOutcomes(hash: Record<string, string>): OutcomeSnapshot {
  const snapshot: OutcomeSnapshot = { ended: new Map(), durations: new Map() };
  const duration = (result: string) => {
    let d = snapshot.durations.get(result);
    if (!d) {
      d = { buckets: new Map(OUTCOME_BUCKETS.map((le) => [le, 0])), count: 0, sum: 0 };
      snapshot.durations.set(result, d);
    }
    return d;
  };
  for (const [field, raw] of Object.entries(hash)) {
    const [kind, result, le] = field.split(':');
    const value = Number(raw);
    if (!result || !RESULTS.has(result) || !Number.isFinite(value)) continue;
    if (kind === 'n') snapshot.ended.set(result, value);
    else if (kind === 'c') duration(result).count = value;
    else if (kind === 's') duration(result).sum = value;
    else if (kind === 'b' && OUTCOME_BUCKETS.includes(Number(le))) duration(result).buckets.set(Number(le), value);
  }
  return snapshot;
}
