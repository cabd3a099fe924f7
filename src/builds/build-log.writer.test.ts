import { BuildLogWriter } from './build-log.writer';
import { LogRedactor } from './log-redactor';
import { RedactingLogWriter } from './redacting-log.writer';
import { MemoryBuildStore } from './testing/memory-build.store';

/** Keeps the size of every batch, can hold writes back, and can say the log is full after some lines. */
class RecordingStore extends MemoryBuildStore {
  readonly batches: string[][] = [];
  firstWriteDelayMs = 0;
  /** While set, every write waits for it. */
  gate: Promise<void> | undefined;
  fullAfterLines = Infinity;

  override async appendLog(id: string, lines: Array<{ time: string; text: string }>): Promise<boolean> {
    this.batches.push(lines.map((l) => l.text));
    if (this.batches.length === 1 && this.firstWriteDelayMs > 0) await new Promise((r) => setTimeout(r, this.firstWriteDelayMs));
    await this.gate;
    await super.appendLog(id, lines);
    return this.logText(id).length >= this.fullAfterLines;
  }
}

describe('BuildLogWriter', () => {
  let store: RecordingStore;
  let errors: unknown[];
  let writer: BuildLogWriter;

  beforeEach(() => {
    store = new RecordingStore();
    errors = [];
    writer = new BuildLogWriter(store, 'b1', (err) => {
      errors.push(err);
    });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('writes lines in order, with their time, when flushed', async () => {
    const before = Date.now();
    writer.line('one');
    writer.line('two');
    expect(store.batches).toEqual([]);
    await writer.flush();
    const log = await store.readLog('b1', 0);
    expect(log.map((l) => [l.seq, l.text])).toEqual([
      [0, 'one'],
      [1, 'two'],
    ]);
    for (const { time } of log) {
      expect(new Date(time).toISOString()).toBe(time);
      expect(Date.parse(time)).toBeGreaterThanOrEqual(before - 1);
    }
    expect(store.batches).toEqual([['one', 'two']]);
  });

  it('writes pending lines by itself 150 ms after the first of them', async () => {
    jest.useFakeTimers();
    writer.line('a');
    await jest.advanceTimersByTimeAsync(100);
    writer.line('b');
    await jest.advanceTimersByTimeAsync(49);
    expect(store.batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(store.logText('b1')).toEqual(['a', 'b']);
    expect(store.batches).toHaveLength(1);
  });

  it('writes a batch at once when 200 lines are pending, and gathers the lines behind a write into the next', async () => {
    jest.useFakeTimers();
    for (let i = 0; i < 450; i++) writer.line(`line ${i}`);
    await writer.flush();
    expect(store.batches.map((b) => b.length)).toEqual([200, 250]);
    expect(store.logText('b1')).toEqual(Array.from({ length: 450 }, (_, i) => `line ${i}`));
  });

  it('keeps batches in order when a write is slow, and flush waits for all of them', async () => {
    store.firstWriteDelayMs = 50;
    writer.line('first');
    const firstFlush = writer.flush();
    writer.line('second');
    await writer.flush();
    expect(store.logText('b1')).toEqual(['first', 'second']);
    await firstFlush;
  });

  it('does not write empty batches', async () => {
    await writer.flush();
    await writer.flush();
    expect(store.batches).toEqual([]);
  });

  it('reports a failed write without rejecting, and goes on writing later lines', async () => {
    store.failures.appendLog = new Error('redis down');
    writer.line('lost');
    await writer.flush();
    expect(errors).toEqual([store.failures.appendLog]);
    delete store.failures.appendLog;
    writer.line('kept');
    await writer.flush();
    expect(store.logText('b1')).toEqual(['kept']);
    expect(errors).toHaveLength(1);
  });

  it('leaves no timer behind once flushed', async () => {
    jest.useFakeTimers();
    writer.line('x');
    await writer.flush();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('holds a bounded amount while the store is slow, then says how many lines it left out', async () => {
    let open: () => void = () => undefined;
    store.gate = new Promise((resolve) => (open = resolve));
    // Each line counts 128 bytes beside its text (2 per character): five of these fit in 1000.
    writer = new BuildLogWriter(store, 'b1', (err) => errors.push(err), 1000);
    const line = 'x'.repeat(36);
    for (let i = 0; i < 50; i++) expect(writer.line(line)).toBe(true);
    const flushed = writer.flush();
    open();
    store.gate = undefined;
    await flushed;
    writer.line('after');
    await writer.flush();
    const text = store.logText('b1');
    expect(text.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => line));
    expect(text.slice(5)).toEqual(['[berth] 45 lines left out: the log store fell behind', 'after']);
  });

  it('takes no more lines once the store says the log is full, and drops what waits', async () => {
    jest.useFakeTimers();
    store.fullAfterLines = 200;
    for (let i = 0; i < 200; i++) expect(writer.line(`line ${i}`)).toBe(true);
    writer.line('waiting');
    await jest.advanceTimersByTimeAsync(0);
    expect(writer.line('refused')).toBe(false);
    await writer.flush();
    expect(store.logText('b1')).toHaveLength(200);
    expect(store.logText('b1')).not.toContain('waiting');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('writes lines taken while a write was ending, when flushed', async () => {
    store.firstWriteDelayMs = 20;
    writer.line('one');
    const first = writer.flush();
    // Queued behind the write's end, before the writer has noticed that it is idle.
    const late = first.then(() => {
      writer.line('two');
      return writer.flush();
    });
    await late;
    expect(store.logText('b1')).toEqual(['one', 'two']);
  });
});

describe('log lines without terminal colour', () => {
  const ESC = '\x1b';

  it('stores npm and yarn output without its escape sequences', async () => {
    const store = new MemoryBuildStore();
    const writer = new BuildLogWriter(store, 'b1', () => undefined);
    writer.line(`${ESC}[37;40mnpm${ESC}[0m ${ESC}[0m${ESC}[30;43mWARN${ESC}[0m ${ESC}[0m${ESC}[35mdeprecated${ESC}[0m glob@7.2.3`);
    writer.line(`${ESC}[2K${ESC}[1G${ESC}[2m[2/4]${ESC}[22m Fetching packages...`);
    writer.line(`${ESC}]0;npm ci${'\x07'}added 12 packages in 1s`);
    await writer.flush();
    expect(store.logText('b1')).toEqual(['npm WARN deprecated glob@7.2.3', '[2/4] Fetching packages...', 'added 12 packages in 1s']);
  });

  it('hides a secret printed in colour, or with a colour code inside it', async () => {
    const store = new MemoryBuildStore();
    const writer = new RedactingLogWriter(new LogRedactor(['s3cr3t-token']), store, 'b1', () => undefined);
    writer.line(`auth: ${ESC}[32ms3cr3t-token${ESC}[39m`);
    writer.line(`auth: s3cr3t${ESC}[1m-token`);
    await writer.flush();
    expect(store.logText('b1')).toEqual(['auth: ***', 'auth: ***']);
  });
});
