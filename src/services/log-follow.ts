import type { ServerSentEvent } from '../http/sse';

/** A record whose log is stored line by line (a build, a deployment). */
export interface LoggedRecord {
  status: string;
  error?: { code: string; message: string };
}

/** The store of such records and their logs. */
export interface LoggedRecordStore<R extends LoggedRecord> {
  /** The current record; undefined once it is gone. */
  get(id: string): Promise<R | undefined>;
  readLog(id: string, fromSeq: number): Promise<Array<{ seq: number; time: string; text: string }>>;
}

/**
 * The log of record `id` as SSE `log` events from `fromSeq` (id = line number), then one `end`
 * event with the final status and error (`deleted` when the record went away) once `ended` says
 * so. Polls every `pollMs` while nothing is new.
 */
export function followLog<R extends LoggedRecord>(
  store: LoggedRecordStore<R>,
  id: string,
  ended: (record: R) => boolean,
  options: { fromSeq: number; signal: AbortSignal; pollMs: number },
): AsyncIterable<ServerSentEvent> {
  const { signal, pollMs } = options;
  return {
    async *[Symbol.asyncIterator]() {
      let next = options.fromSeq;
      while (!signal.aborted) {
        const record = await store.get(id);
        const lines = await store.readLog(id, next);
        for (const line of lines) yield { id: String(line.seq), event: 'log', data: line };
        next += lines.length;
        if (!record || ended(record)) {
          const rest = await store.readLog(id, next);
          for (const line of rest) yield { id: String(line.seq), event: 'log', data: line };
          yield { event: 'end', data: record ? endData(record) : { status: 'deleted' } };
          return;
        }
        if (lines.length === 0) await sleep(pollMs, signal);
      }
    },
  };
}

function endData(record: LoggedRecord): unknown {
  return { status: record.status, ...(record.error ? { error: record.error } : {}) };
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
