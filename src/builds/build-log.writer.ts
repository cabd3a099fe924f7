import type { BuildStore } from './build.record';

const FLUSH_MS = 150;
const MAX_BATCH = 200;

/** Collects a build's log lines and writes them to the store in batches, in order. */
export class BuildLogWriter {
  private pending: Array<{ time: string; text: string }> = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: BuildStore,
    private readonly buildId: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  line(text: string): void {
    this.pending.push({ time: new Date().toISOString(), text });
    if (this.pending.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes what is pending; resolves when everything written so far is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      this.chain = this.chain.then(() => this.store.appendLog(this.buildId, batch)).catch(this.onError);
    }
    return this.chain;
  }
}
