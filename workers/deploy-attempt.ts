import type { DeploymentStore } from '../src/deploys/deployment.record';
import { SHUTDOWN } from './build-attempt';

/**
 * Why a deployment attempt was stopped from outside: on request (`cancelled`), because the worker
 * is stopping (`shutdown`: the job goes back to the queue, the record keeps its phase), or because
 * another attempt took the deployment over (`superseded`).
 */
export type DeployStopReason = 'cancelled' | 'shutdown' | 'superseded';

export class DeployStoppedError extends Error {
  constructor(readonly reason: DeployStopReason) {
    super(`deployment ${reason}`);
  }
}

export interface DeployWatch {
  /** Aborts with a DeployStoppedError as its reason. */
  signal: AbortSignal;
  /** From the switch on a deployment only goes forward: cancel requests are no longer heeded. */
  forwardOnly: () => void;
  /** Stops watching: no timer or listener is left behind. */
  dispose: () => void;
}

/**
 * Aborts an attempt on cancel, the worker's stop (`outer` aborted with SHUTDOWN), or another
 * attempt taking over (`outer` aborted otherwise: BullMQ lost the lock; or the record's attempt
 * count moved on, seen by the same poll as the cancel flag).
 */
export function watchDeployment(store: DeploymentStore, options: { id: string; attempt: number; pollMs: number }, outer?: AbortSignal): DeployWatch {
  const controller = new AbortController();
  let forward = false;
  const stop = (reason: DeployStopReason) => {
    if (!controller.signal.aborted) controller.abort(new DeployStoppedError(reason));
  };
  const fromWorker = () => stop(outer?.reason === SHUTDOWN ? 'shutdown' : 'superseded');
  if (outer?.aborted) fromWorker();
  outer?.addEventListener('abort', fromWorker, { once: true });
  const poll = setInterval(() => {
    store.get(options.id).then(
      (latest) => {
        if (!latest || latest.attempts !== options.attempt) stop('superseded');
        else if (latest.cancelRequested && !forward) stop('cancelled');
      },
      () => undefined,
    );
  }, options.pollMs);
  return {
    signal: controller.signal,
    forwardOnly: () => {
      forward = true;
    },
    dispose: () => {
      outer?.removeEventListener('abort', fromWorker);
      clearInterval(poll);
    },
  };
}
