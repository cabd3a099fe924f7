import type { Redis } from 'ioredis';
import { redisCall } from './redis-call';

/**
 * The stored form of a log line, shared by every store that keeps a log as a Redis list (builds,
 * deployments, jobs, image operations): `{"t": time, "x": text}`, read back numbered from 0.
 */
export interface StoredLogLine {
  seq: number;
  time: string;
  text: string;
}

export function encodeLogLines(lines: ReadonlyArray<{ time: string; text: string }>): string[] {
  return lines.map((l) => JSON.stringify({ t: l.time, x: l.text }));
}

/** The line that replaces the first one past the log's byte cap; `what` goes on (the build, the job...). */
export function truncationNotice(capBytes: number, what: string): string {
  return JSON.stringify({ t: new Date().toISOString(), x: `[berth] log truncated: it exceeded ${capBytes} bytes; ${what} goes on` });
}

/** The lines of the list at `key` from `fromSeq` on. */
export async function readLogLines(redis: Redis, key: string, fromSeq: number): Promise<StoredLogLine[]> {
  const raw = await redisCall(() => redis.lrange(key, fromSeq, -1));
  return raw.map((entry, i) => {
    const { t, x } = JSON.parse(entry) as { t: string; x: string };
    return { seq: fromSeq + i, time: t, text: x };
  });
}
