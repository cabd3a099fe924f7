import { stripAnsi } from './ansi-text';
import type { BuildStore } from './build.record';

const FLUSH_MS = 150;
/** Lines that start a write at once. */
const BATCH_LINES = 200;
/** Most lines one write carries: while a write is under way, the lines behind it gather up to this. */
const WRITE_LINES = 2000;
/** Memory (estimated) of lines held at most, waiting or being written; past it lines are left out. */
export const MAX_HELD_BYTES = 4 * 1024 * 1024;
/** What one held line costs beside its text: its object, time string and slot (short lines dominate a flood). */
const LINE_OVERHEAD = 128;

type Line = { time: string; text: string };

/**
 * Collects a build's log lines and writes them to the store in batches, in order, one write at a
 * time. It never holds more than about `maxHeld` bytes of lines: while the store is too slow to
 * keep up, lines are left out and counted, and a line says how many. Once the store reports the
 * log truncated, it takes no more. Lines are stored without terminal colour and control sequences
 * (see ansi-text.ts): the builder's raw stream may keep them, the API's log does not.
 */
export class BuildLogWriter {
  private pending: Line[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private held = 0;
  private skipped = 0;
  private full = false;

  constructor(
    private readonly store: Pick<BuildStore, 'appendLog'>,
    private readonly buildId: string,
    private readonly onError: (err: unknown) => void,
    private readonly maxHeld = MAX_HELD_BYTES,
  ) {}

  /** Takes one line; false once the log is full and no more lines are wanted. */
  line(raw: string): boolean {
    if (this.full) return false;
    const text = this.clean(raw);
    if (this.held + cost(text) > this.maxHeld) {
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

  /** The line as stored; a subclass adds to this (redaction runs on the text without escapes). */
  protected clean(text: string): string {
    return stripAnsi(text);
  }

  /** Writes what is pending; resolves when everything taken so far is stored (or failed). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing ??= this.pump().finally(() => (this.writing = undefined));
    // A write ending just now may have missed lines added since: write those too.
    return this.writing.then(() => (this.pending.length > 0 ? this.flush() : undefined));
  }

  private add(text: string): void {
    this.pending.push({ time: new Date().toISOString(), text });
    this.held += cost(text);
    if (this.pending.length >= BATCH_LINES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private async pump(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, WRITE_LINES);
      const size = batch.reduce((sum, l) => sum + cost(l.text), 0);
      try {
        if (await this.store.appendLog(this.buildId, batch)) this.stop();
      } catch (err) {
        this.onError(err);
      } finally {
        this.held -= size;
      }
    }
  }

  /** The store keeps no more lines: drop what waits and take nothing new. */
  private stop(): void {
    this.full = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const line of this.pending) this.held -= cost(line.text);
    this.pending = [];
  }
}

function cost(text: string): number {
  return LINE_OVERHEAD + 2 * text.length;
}
