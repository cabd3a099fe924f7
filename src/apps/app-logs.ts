import type { LogLine, LogStream } from '../engine/engine.port';
import { clipLine } from '../deploys/output-tail';
import type { AppLogLine } from '../models/app-runtime.model';

/** Most lines one answer of `GET /apps/{name}/logs` holds, all replicas together; older ones are left out. */
export const MAX_APP_LOG_LINES = 10_000;

/** A line with the sort key of its time: microseconds since the epoch. */
export interface TimedLine {
  line: AppLogLine;
  key: number;
}

/**
 * Splits an engine line read with `timestamps` (`<RFC 3339 time> <text>`) into time and text, the
 * text clipped like every container line Berth keeps. A line without a time sorts first.
 */
export function timedLine(replica: number, raw: LogLine): TimedLine {
  const space = raw.text.indexOf(' ');
  const time = space > 0 ? raw.text.slice(0, space) : '';
  const key = timeKey(time);
  if (Number.isNaN(key)) return { line: { replica, stream: raw.stream, time: '', text: clipLine(raw.text) }, key: 0 };
  return { line: { replica, stream: raw.stream, time, text: clipLine(raw.text.slice(space + 1)) }, key };
}

/** Microseconds since the epoch of an RFC 3339 time with up to nanosecond digits; NaN if it is not one. */
export function timeKey(time: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return NaN;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  const micros = Number(((m[2] ?? '') + '000000').slice(0, 6));
  return seconds * 1000 + micros;
}

/** The last `limit` lines of one replica's (finished) output, and how many came before them. */
export async function lastLines(replica: number, stream: AsyncIterable<LogLine>, limit: number): Promise<{ lines: TimedLine[]; dropped: number }> {
  // A ring: memory stays at `limit` lines whatever the container printed.
  const ring: TimedLine[] = [];
  let seen = 0;
  for await (const raw of stream) {
    if (limit > 0) ring[seen % limit] = timedLine(replica, raw);
    seen += 1;
  }
  if (seen <= limit) return { lines: ring, dropped: 0 };
  const start = seen % limit;
  return { lines: [...ring.slice(start), ...ring.slice(0, start)], dropped: seen - limit };
}

/** Lists of lines in one list by time (a list's own order kept on ties), at most the last `limit`. */
export function mergeByTime(lists: readonly TimedLine[][], limit: number): { lines: TimedLine[]; dropped: number } {
  // Array.prototype.sort is stable: within a list, and between lists at the same time, the order holds.
  const all = lists.flat().sort((a, b) => a.key - b.key);
  const dropped = Math.max(0, all.length - limit);
  return { lines: all.slice(dropped), dropped };
}

/** A followed replica's output. */
export interface ReplicaStream {
  replica: number;
  stream: LogStream;
}

/**
 * Lines of every stream as they come, tagged with their replica, until each stream ends. One line
 * at most is read ahead per stream: a slow client holds the engine's streams back, not memory.
 */
export async function* followMerged(sources: readonly ReplicaStream[]): AsyncGenerator<AppLogLine> {
  const iterators = sources.map((s) => s.stream[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<LogLine> }>>();
  const pull = (index: number) => {
    const it = iterators[index];
    if (it)
      pending.set(
        index,
        it.next().then((result) => ({ index, result })),
      );
  };
  iterators.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      yield timedLine(sources[index]?.replica ?? 0, result.value).line;
      pull(index);
    }
  } finally {
    for (const s of sources) s.stream.close();
  }
}
