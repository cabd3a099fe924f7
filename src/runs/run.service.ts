import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { RunEngine } from '../engine/engine.port';
import type { ServerSentEvent } from '../http/sse';
import type { RunList, RunLogs, RunRequest, RunView } from '../models/run.model';
import { followLog } from '../services/log-follow';
import { isValidRunId, validateRunRequest, type RunLimits } from './run-request';
import { RUN_LABEL, RunRunner, type RunRunnerOptions, type StopReason } from './run.runner';
import { RUN_STATUSES, isEnded, type RunRecord, type RunStatus, type RunStore } from './run.record';
import { toRunView } from './run.view';

export interface RunServiceOptions extends RunLimits, RunRunnerOptions {
  /** Runs executing at once in this process; later ones wait as `queued`. */
  maxConcurrent: number;
  /** Longest a `wait=true` request is held, in seconds. */
  maxWaitSeconds: number;
  /** Limits of runs that set none. */
  defaultMemoryBytes?: number;
  defaultNanoCpus?: number;
  followPollMs: number;
  newId?: () => string;
}

interface Active {
  stop: AbortController;
  done: Promise<RunRecord>;
}

/**
 * One-shot runs, executed by the API process itself: a run is short, needs no build worker, and
 * its output is read straight from the engine. What an API restart interrupts is not resumed:
 * `recover` marks those runs `lost` and removes their containers (found by label).
 */
export class RunService {
  private readonly runner: RunRunner;
  private readonly active = new Map<string, Active>();
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private closed = false;

  constructor(
    private readonly store: RunStore,
    private readonly engine: RunEngine,
    private readonly options: RunServiceOptions,
    private readonly logger: Logger,
  ) {
    this.runner = new RunRunner(store, engine, options, logger);
  }

  /** Accepts a run (202), or with `wait` holds the answer until it ends or `maxWaitSeconds` pass. */
  async submit(req: RunRequest, wait: boolean): Promise<{ ended: boolean; run: RunView }> {
    const { spec, stdin } = validateRunRequest(req, this.options, this.options.newId ?? randomUUID);
    if (spec.memoryBytes === undefined && this.options.defaultMemoryBytes) spec.memoryBytes = this.options.defaultMemoryBytes;
    if (spec.nanoCpus === undefined && this.options.defaultNanoCpus) spec.nanoCpus = this.options.defaultNanoCpus;
    // Refused before anything is stored: Berth does not pull for a run.
    await this.engine.inspectImage(spec.image).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'not_found') throw new NotFoundError('image', spec.image, 'image');
      throw err;
    });
    const record: RunRecord = { id: spec.id, spec, status: 'queued', createdAt: new Date().toISOString(), stdoutTruncated: false, stderrTruncated: false };
    await this.store.create(record);
    const stop = new AbortController();
    const done = this.start(record, stdin, stop);
    this.active.set(record.id, { stop, done });
    this.logger.info('run accepted', { runId: record.id, image: spec.image });
    if (!wait) return { ended: false, run: await this.view(record) };
    const ended = await Promise.race([done, delay(this.options.maxWaitSeconds * 1000)]);
    return ended ? { ended: true, run: await this.view(ended) } : { ended: false, run: await this.get(record.id) };
  }

  async get(id: string): Promise<RunView> {
    return this.view(await this.find(id));
  }

  async list(status: string | undefined, limit: number, offset: number): Promise<RunList> {
    if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
      throw new ValidationError(`status must be one of ${RUN_STATUSES.join(', ')}`, 'status');
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new ValidationError('limit must be 1-200', 'limit');
    if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('offset must be 0 or more', 'offset');
    const { records, total } = await this.store.list({ ...(status ? { status: status as RunStatus } : {}), limit, offset });
    // A list shows no output: GET /runs/{id} has it.
    return { runs: records.map((r) => toRunView(r, [])), total, limit, offset };
  }

  async logs(id: string): Promise<RunLogs> {
    const record = await this.find(id);
    const lines = await this.store.readLog(id, 0);
    return { run_id: id, status: record.status, lines, stdout_truncated: record.stdoutTruncated, stderr_truncated: record.stderrTruncated };
  }

  /** The output as SSE `log` events, then `end`; the same conventions as a build's log. */
  async follow(id: string, fromSeq: number, signal: AbortSignal): Promise<AsyncIterable<ServerSentEvent>> {
    await this.find(id);
    return followLog(this.store, id, (r) => isEnded(r.status), { fromSeq, signal, pollMs: this.options.followPollMs });
  }

  /** Kills a queued or running run; it ends `cancelled` and its container is removed. */
  async cancel(id: string): Promise<RunView> {
    const record = await this.find(id);
    if (isEnded(record.status)) throw new ConflictError('state_conflict', `run ${id} already ended (${record.status})`);
    const active = this.active.get(id);
    if (!active) {
      // Not this process's run: whatever ran it is gone, so is its container once removed here.
      await this.removeContainers([`${RUN_LABEL}=${id}`]);
      return this.view(await this.markLost(record));
    }
    active.stop.abort('cancelled' satisfies StopReason);
    return this.view(await active.done);
  }

  /** Forgets an ended run and its output. */
  async remove(id: string): Promise<void> {
    const record = await this.find(id);
    if (!isEnded(record.status)) throw new ConflictError('state_conflict', `run ${id} is ${record.status}; cancel it first`);
    await this.store.remove(id);
  }

  /**
   * At start: runs a previous API process left queued or running are marked `lost`, and every
   * container of this instance's runs is removed (none can be running for this process yet).
   */
  async recover(): Promise<void> {
    await this.removeContainers([RUN_LABEL]);
    for (const status of ['queued', 'running'] as const) {
      const { records } = await this.store.list({ status, limit: 100_000, offset: 0 });
      for (const record of records) if (!this.active.has(record.id)) await this.markLost(record);
    }
  }

  /** Stops every run of this process (they end `lost`, containers removed) and waits for them. */
  async close(): Promise<void> {
    this.closed = true;
    for (const { stop } of this.active.values()) stop.abort('lost' satisfies StopReason);
    this.waiting.splice(0).forEach((go) => go());
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  private async start(record: RunRecord, stdin: string | undefined, stop: AbortController): Promise<RunRecord> {
    try {
      await this.slot();
      if (stop.signal.aborted || this.closed) return await this.endQueued(record, stop.signal.aborted ? (stop.signal.reason as StopReason) : 'lost');
      return await this.runner.execute(record, stdin, stop);
    } finally {
      this.release();
      this.active.delete(record.id);
    }
  }

  private async slot(): Promise<void> {
    if (this.running < this.options.maxConcurrent) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  private async removeContainers(labels: string[]): Promise<void> {
    const containers = await this.engine.listContainers({ all: true, labels: [...labels, `berth.instance=${this.options.instance}`] });
    await Promise.all(containers.map((c) => this.engine.removeContainer(c.id, { force: true }).catch(() => undefined)));
  }

  private async endQueued(record: RunRecord, reason: StopReason): Promise<RunRecord> {
    const ended: RunRecord = { ...record, status: reason, endedAt: new Date().toISOString(), error: { code: reason, message: `ended before it started (${reason})` } };
    await this.store.save(ended);
    return ended;
  }

  private async markLost(record: RunRecord): Promise<RunRecord> {
    const lost: RunRecord = {
      ...record,
      status: 'lost',
      endedAt: new Date().toISOString(),
      error: { code: 'lost', message: 'the API process that ran it stopped; its container was removed' },
    };
    await this.store.save(lost);
    this.logger.warn('run lost', { runId: record.id, was: record.status });
    return lost;
  }

  private async find(id: string): Promise<RunRecord> {
    const record = isValidRunId(id) ? await this.store.get(id) : undefined;
    if (!record) throw new NotFoundError('run', id);
    return record;
  }

  private async view(record: RunRecord): Promise<RunView> {
    return toRunView(record, await this.store.readLog(record.id, 0));
  }
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}
