import type { BuildStore } from './build.record';

const FLUSH_MS = 150;
const MAX_BATCH = 200;
/** Characters of lines held at most (waiting or being written); past it lines are left out. */
export const MAX_HELD_CHARS = 4 * 1024 * 1024;

/**
 * Collects a build's log lines and writes them to the store in batches, in order. It never holds
 * more than `maxHeld` characters: while the store is too slow to keep up, lines are left out and
 * counted, and a line says how many. Once the store reports the log truncated, it takes no more.
 */
export class BuildLogWriter {
  private pending: Array<{ time: string; text: string }> = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private held = 0;
  private skipped = 0;
  private full = false;

  constructor(
    private readonly store: BuildStore,
    private readonly buildId: string,
    private readonly onError: (err: unknown) => void,
    private readonly maxHeld = MAX_HELD_CHARS,
  ) {}

  /** Takes one line; false once the log is full and no more lines are wanted. */
  line(text: string): boolean {
    if (this.full) return false;
    if (this.held + text.length > this.maxHeld) {
      this.skipped += 1;
      return true;
    }
    if (this.skipped > 0) {
      this.add(`[berth] ${this.skipped} lines left out: the log store fell behind`);
      this.skipped = 0;
    }
    this.add(text);
    return true;
  }

  /** Writes what is pending; resolves when everything written so far is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      const size = batch.reduce((sum, l) => sum + l.text.length, 0);
      this.chain = this.chain.then(() => this.write(batch, size));
    }
    return this.chain;
  }

  private add(text: string): void {
    this.pending.push({ time: new Date().toISOString(), text });
    this.held += text.length;
    if (this.pending.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private async write(batch: Array<{ time: string; text: string }>, size: number): Promise<void> {
    try {
      if (!this.full && (await this.store.appendLog(this.buildId, batch))) this.stop();
    } catch (err) {
      this.onError(err);
    } finally {
      this.held -= size;
    }
  }

  /** The store keeps no more lines: drop what waits and take nothing new. */
  private stop(): void {
    this.full = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const line of this.pending) this.held -= line.text.length;
    this.pending = [];
  }
}
