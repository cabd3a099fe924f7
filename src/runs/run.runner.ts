import type { Logger } from 'winston';
import { AppError } from '../errors';
import type { LogLine, RunEngine } from '../engine/engine.port';
import { RunOutput } from './run-output';
import type { RunRecord, RunStatus, RunStore } from './run.record';

/** Label carrying the run id on its container; the start-up sweep removes what it finds. */
export const RUN_LABEL = 'berth.run';

export interface RunRunnerOptions {
  instance: string;
  pidsLimit: number;
  /** Per stream. */
  maxOutputBytes: number;
  /** Milliseconds between writes of buffered output lines. */
  flushMs: number;
}

/** Why a run's container was killed before it ended by itself. */
export type StopReason = 'timeout' | 'cancelled' | 'lost';

/** Executes one run: container created, run with its timeout, output stored, container removed. */
export class RunRunner {
  constructor(
    private readonly store: RunStore,
    private readonly engine: RunEngine,
    private readonly options: RunRunnerOptions,
    private readonly logger: Logger,
  ) {}

  /** Runs `record` to its end and returns the ended record. `stop` aborts with a reason; never rejects. */
  async execute(record: RunRecord, stdin: string | undefined, stop: AbortController): Promise<RunRecord> {
    const log = this.logger.child({ runId: record.id });
    const output = new RunOutput(this.options.maxOutputBytes);
    const writer = new LineBuffer(this.store, record.id, this.options.flushMs);
    let containerId: string | undefined;
    const timer = setTimeout(() => stop.abort('timeout' satisfies StopReason), record.spec.timeoutSeconds * 1000);
    try {
      record = { ...record, status: 'running', startedAt: new Date().toISOString() };
      await this.store.save(record);
      containerId = (await this.engine.createRunContainer(this.containerSpec(record, stdin))).id;
      const onLine = (line: LogLine) => {
        const kept = output.take(line);
        if (kept) writer.add(kept);
      };
      // Both streams together: each is capped apart by RunOutput, and a line may straddle the cap.
      const outcome = await this.engine.runContainer(containerId, stdin, onLine, { signal: stop.signal, maxOutputBytes: 2 * this.options.maxOutputBytes + 65536 });
      if (outcome.outputCut) output.markCut();
      record = this.ended(record, stop.signal, outcome.exitCode, outcome.oomKilled);
    } catch (err) {
      const error = err instanceof AppError ? { code: err.code, message: err.message } : { code: 'engine_error', message: (err as Error).message };
      log.warn('run failed to run', { error: error.message });
      record = { ...record, status: stop.signal.aborted ? reasonOf(stop.signal) : 'failed', endedAt: new Date().toISOString(), error };
    } finally {
      clearTimeout(timer);
      if (containerId) await this.removeContainer(containerId, log);
    }
    await writer.close();
    const notice = output.notice();
    record = { ...record, stdoutTruncated: output.truncated.stdout, stderrTruncated: output.truncated.stderr, ...(notice ? { truncationNotice: notice } : {}) };
    await this.store.save(record).catch((err: unknown) => log.error('run record not saved', { error: String(err) }));
    log.info('run ended', { status: record.status, exitCode: record.exitCode });
    return record;
  }

  private containerSpec(record: RunRecord, stdin: string | undefined) {
    const { spec } = record;
    return {
      image: spec.image,
      command: spec.command,
      env: spec.env,
      labels: { 'berth.managed': 'true', 'berth.instance': this.options.instance, [RUN_LABEL]: record.id },
      ...(spec.memoryBytes ? { memoryBytes: spec.memoryBytes } : {}),
      ...(spec.nanoCpus ? { nanoCpus: spec.nanoCpus } : {}),
      pidsLimit: this.options.pidsLimit,
      network: spec.network,
      capAdd: spec.capAdd,
      ...(stdin !== undefined ? { stdin } : {}),
    };
  }

  private ended(record: RunRecord, signal: AbortSignal, exitCode: number, oomKilled: boolean): RunRecord {
    const endedAt = new Date().toISOString();
    if (signal.aborted) {
      const status = reasonOf(signal);
      const message =
        status === 'timeout'
          ? `killed after timeout_seconds (${record.spec.timeoutSeconds})`
          : status === 'cancelled'
            ? 'cancelled on request'
            : 'Berth stopped while it ran';
      return { ...record, status, endedAt, error: { code: status, message } };
    }
    const status: RunStatus = exitCode === 0 ? 'succeeded' : 'failed';
    const error = oomKilled ? { error: { code: 'oom_killed', message: 'killed for exceeding its memory limit' } } : {};
    return { ...record, status, endedAt, exitCode, oomKilled, ...error };
  }

  /** The container goes whatever happened; one retry, then the start-up sweep is the last resort. */
  private async removeContainer(id: string, log: Logger): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.engine.removeContainer(id, { force: true });
        return;
      } catch (err) {
        if ((err as AppError).code === 'not_found') return;
        log.warn('run container not removed', { containerId: id, error: String(err) });
      }
    }
  }
}

function reasonOf(signal: AbortSignal): StopReason {
  const reason: unknown = signal.reason;
  return reason === 'timeout' || reason === 'lost' ? reason : 'cancelled';
}

/** Batches output lines into the store, so a chatty run makes few Redis calls; writes stay in order. */
class LineBuffer {
  private pending: Array<{ time: string; stream: LogLine['stream']; text: string }> = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly id: string,
    private readonly flushMs: number,
  ) {}

  add(line: LogLine): void {
    this.pending.push({ time: new Date().toISOString(), stream: line.stream, text: line.text });
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  async close(): Promise<void> {
    this.flush();
    await this.writing;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.pending;
    this.pending = [];
    if (lines.length > 0) this.writing = this.writing.then(() => this.store.appendLog(this.id, lines)).catch(() => undefined);
  }
}
