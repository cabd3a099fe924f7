import type { ServerSentEvent } from '../http/sse';

/** A stored log and the state of what writes it (a build, a deployment). */
export interface FollowedLog<R> {
  /** The current record; undefined once it is gone. */
  read(): Promise<R | undefined>;
  readLines(fromSeq: number): Promise<Array<{ seq: number; time: string; text: string }>>;
  ended(record: R): boolean;
  /** Data of the final `end` event. */
  endData(record: R): unknown;
}

/**
 * Log lines as SSE `log` events from `fromSeq` (id = line number), then one `end` event with the
 * final status (`deleted` when the record went away). Polls every `pollMs` while nothing is new.
 */
export function followLog<R>(source: FollowedLog<R>, fromSeq: number, signal: AbortSignal, pollMs: number): AsyncIterable<ServerSentEvent> {
  return {
    async *[Symbol.asyncIterator]() {
      let next = fromSeq;
      while (!signal.aborted) {
        const record = await source.read();
        const lines = await source.readLines(next);
        for (const line of lines) yield { id: String(line.seq), event: 'log', data: line };
        next += lines.length;
        if (!record || source.ended(record)) {
          const rest = await source.readLines(next);
          for (const line of rest) yield { id: String(line.seq), event: 'log', data: line };
          yield { event: 'end', data: record ? source.endData(record) : { status: 'deleted' } };
          return;
        }
        if (lines.length === 0) await sleep(pollMs, signal);
      }
    },
  };
}

/** Waits `ms`, or less when `signal` aborts; leaves no listener behind (a follow sleeps often). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
