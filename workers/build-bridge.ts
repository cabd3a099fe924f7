import { setTimeout as delay } from 'node:timers/promises';
import { TERMINAL, type BuildRecord, type BuildStore } from '../src/builds/build.record';
import { BuildFailedError, ConflictError } from '../src/errors';
import type { BuildRequest } from '../src/models/build.model';
import type { BuildService } from '../src/services/build.service';

/** What a deployment gets from its build. */
export interface BuildOutcome {
  imageId: string;
  commit?: string;
}

/** The build pipeline as a deployment uses it. */
export interface BuildBridge {
  /**
   * Submits the build (an existing id returns that build: a resumed deployment waits for the same
   * one) and waits for its end, passing each log line from `fromSeq` on. Rejects with
   * BuildFailedError (code of the build's error) when it fails, with `signal.reason` once aborted.
   */
  run(request: BuildRequest & { id: string }, onLine: (text: string) => void, fromSeq: number, signal: AbortSignal): Promise<BuildOutcome>;
  /** Asks the build to stop; one that already ended is left as it is. */
  cancel(buildId: string): Promise<void>;
}

/**
 * Milliseconds between looks at a build that printed nothing new: a deployment goes on at most
 * this long after its build ended. Two Redis reads a look, for one build per running deployment.
 */
export const BUILD_POLL_MS = 100;

/** Waits `ms`, or less once `signal` aborts. */
export type PollSleep = (ms: number, signal: AbortSignal) => Promise<void>;

const sleep: PollSleep = (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined);

/** BuildBridge over the API's BuildService and the build store, polling the record and log. */
export class ServiceBuildBridge implements BuildBridge {
  constructor(
    private readonly service: Pick<BuildService, 'submit' | 'cancel'>,
    private readonly store: Pick<BuildStore, 'get' | 'readLog'>,
    private readonly pollMs: number = BUILD_POLL_MS,
    private readonly wait: PollSleep = sleep,
  ) {}

  async run(request: BuildRequest & { id: string }, onLine: (text: string) => void, fromSeq: number, signal: AbortSignal): Promise<BuildOutcome> {
    signal.throwIfAborted();
    await this.service.submit(request);
    let seq = fromSeq;
    for (;;) {
      signal.throwIfAborted();
      const record = await this.store.get(request.id);
      // Lines read after the record: once it has ended, they are the last ones.
      const lines = await this.store.readLog(request.id, seq);
      for (const line of lines) onLine(line.text);
      seq += lines.length;
      if (!record) throw new BuildFailedError(`build ${request.id} was removed before it ended`, 'build_lost');
      if (TERMINAL.has(record.status)) return outcome(record);
      if (lines.length === 0) await this.wait(this.pollMs, signal);
    }
  }

  async cancel(buildId: string): Promise<void> {
    try {
      await this.service.cancel(buildId);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
}

function outcome(record: BuildRecord): BuildOutcome {
  const { spec } = record;
  if (record.status === 'cancelled') throw new BuildFailedError(`build ${spec.id} was cancelled`, 'build_cancelled');
  if (record.status !== 'succeeded') {
    throw new BuildFailedError(record.error?.message ?? `build ${spec.id} failed`, record.error?.code ?? 'build_failed');
  }
  const image = record.images?.find((i) => i.tag === spec.plan.imageTag) ?? record.images?.[0];
  if (!image) throw new BuildFailedError(`build ${spec.id} produced no image`, 'build_failed');
  return { imageId: image.id, ...(record.commit ? { commit: record.commit } : {}) };
}
