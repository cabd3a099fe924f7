import { setMaxListeners } from 'node:events';
import type { BuildStore } from '../src/builds/build.record';

/**
 * Why a build attempt was stopped from outside: on request, past the time limit, because the
 * worker is stopping (`shutdown`: the build goes back to the queue), or because another attempt
 * took the build over (`superseded`: this worker lost its lock, e.g. frozen past `lock_seconds`).
 */
export type StopReason = 'cancelled' | 'timeout' | 'shutdown' | 'superseded';

/** The reason BullMQ's abort signal carries when the worker stops (see worker.composition.ts). */
export const SHUTDOWN: StopReason = 'shutdown';

export class StoppedError extends Error {
  constructor(readonly reason: StopReason) {
    super(`build ${reason}`);
  }
}

export interface AttemptWatch {
  controller: AbortController;
  stop: (reason: StopReason) => void;
  /** Stops watching: no timer or listener is left behind. */
  dispose: () => void;
}

/**
 * Aborts an attempt on cancel, timeout, the worker's stop (`outer` aborted with SHUTDOWN), or
 * another attempt taking over (`outer` aborted otherwise: BullMQ lost the lock; or the record's
 * attempt count moved on, seen by the same poll as the cancel flag).
 */
export function watchAttempt(
  store: { get(id: string): Promise<{ attempts: number; cancelRequested: boolean } | undefined> },
  options: { buildId: string; attempt: number; timeoutMs: number; pollMs: number },
  outer?: AbortSignal,
): AttemptWatch {
  const controller = new AbortController();
  // Each git process simple-git starts listens on the signal; a clone by commit starts several.
  setMaxListeners(50, controller.signal);
  const stop = (reason: StopReason) => controller.abort(reason);
  const fromWorker = () => stop(outer?.reason === SHUTDOWN ? 'shutdown' : 'superseded');
  if (outer?.aborted) fromWorker();
  outer?.addEventListener('abort', fromWorker, { once: true });
  const timeout = setTimeout(() => stop('timeout'), options.timeoutMs);
  const poll = setInterval(() => {
    store.get(options.buildId).then(
      (latest) => {
        // Another attempt counted since this one began (this worker froze past its lock): stop.
        if (!latest || latest.attempts !== options.attempt) stop('superseded');
        else if (latest.cancelRequested) stop('cancelled');
      },
      () => undefined,
    );
  }, options.pollMs);
  const dispose = () => {
    outer?.removeEventListener('abort', fromWorker);
    clearTimeout(timeout);
    clearInterval(poll);
  };
  return { controller, stop, dispose };
}

/** The store as one attempt writes its log: lines of an attempt that was taken over are dropped. */
export function fencedLog(store: BuildStore, attempt: number): BuildStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'appendLog') return (id: string, lines: Array<{ time: string; text: string }>) => target.appendLog(id, lines, attempt);
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
