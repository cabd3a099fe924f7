import type { LogLine, LogStream } from '../engine/engine.port';
import { MAX_LINE_CHARS } from '../deploys/output-tail';
import { followMerged, lastLines, mergeByTime, timeKey, timedLine } from './app-logs';

const line = (time: string, text: string, stream: LogLine['stream'] = 'stdout'): LogLine => ({ stream, text: `${time} ${text}` });

async function* from(lines: LogLine[]): AsyncGenerator<LogLine> {
  yield* lines;
}

/** A stream fed by the test, line by line. */
function pushStream(): LogStream & { push(l: LogLine): void; end(): void; closed: boolean } {
  const queue: Array<LogLine | null> = [];
  let wake: (() => void) | undefined;
  const s = {
    closed: false,
    push: (l: LogLine) => (queue.push(l), wake?.()),
    end: () => (queue.push(null), wake?.()),
    close: () => {
      s.closed = true;
      s.end();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        const next = queue.shift();
        if (next === null || next === undefined) return;
        yield next;
      }
    },
  };
  return s;
}

describe('timeKey', () => {
  it('orders nanosecond times below the millisecond, in any offset', () => {
    expect(timeKey('2026-01-01T00:00:00.000001Z')).toBeLessThan(timeKey('2026-01-01T00:00:00.000002999Z'));
    expect(timeKey('2026-01-01T01:00:00.5+01:00')).toBe(timeKey('2026-01-01T00:00:00.500000Z'));
    expect(timeKey('2026-01-01T00:00:01Z') - timeKey('2026-01-01T00:00:00.999999Z')).toBe(1);
  });

  it('is NaN for text that is not a time', () => {
    expect(timeKey('hello')).toBeNaN();
    expect(timeKey('')).toBeNaN();
  });
});

describe('timedLine', () => {
  it('splits time and text, tags the replica and clips long text', () => {
    expect(timedLine(2, line('2026-01-01T00:00:00.1Z', 'hi there', 'stderr')).line).toEqual({
      replica: 2,
      stream: 'stderr',
      time: '2026-01-01T00:00:00.1Z',
      text: 'hi there',
    });
    const long = timedLine(1, line('2026-01-01T00:00:00Z', 'x'.repeat(MAX_LINE_CHARS + 50))).line.text;
    expect(long).toBe(`${'x'.repeat(MAX_LINE_CHARS)}… (50 more characters)`);
  });

  it('keeps a line without a time whole', () => {
    expect(timedLine(1, { stream: 'stdout', text: 'no time here' })).toEqual({ line: { replica: 1, stream: 'stdout', time: '', text: 'no time here' }, key: 0 });
  });
});

describe('lastLines and mergeByTime', () => {
  it('keeps only the last lines of a long output and counts the rest', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => line(`2026-01-01T00:00:${String(i).padStart(2, '0')}Z`, `l${i}`));
    const { lines: kept, dropped } = await lastLines(1, from(lines), 10);
    expect(kept.map((t) => t.line.text)).toEqual(Array.from({ length: 10 }, (_, i) => `l${i + 15}`));
    expect(dropped).toBe(15);
    expect((await lastLines(1, from(lines.slice(0, 3)), 10)).lines.map((t) => t.line.text)).toEqual(['l0', 'l1', 'l2']);
    expect(await lastLines(1, from(lines), 0)).toEqual({ lines: [], dropped: 25 });
  });

  it('merges replicas by time and keeps the newest lines within the limit', async () => {
    const one = await lastLines(1, from([line('2026-01-01T00:00:01Z', 'a'), line('2026-01-01T00:00:03Z', 'c'), line('2026-01-01T00:00:03Z', 'd')]), 10);
    const two = await lastLines(2, from([line('2026-01-01T00:00:02Z', 'b'), line('2026-01-01T00:00:03Z', 'e')]), 10);
    const merged = mergeByTime([one.lines, two.lines], 10);
    expect(merged.lines.map(({ line: l }) => `${l.replica}${l.text}`)).toEqual(['1a', '2b', '1c', '1d', '2e']);
    expect(mergeByTime([one.lines, two.lines], 2)).toEqual({ lines: merged.lines.slice(3), dropped: 3 });
  });
});

describe('followMerged', () => {
  it('yields lines of every replica as they come, tagged, until all streams end, then closes them', async () => {
    const a = pushStream();
    const b = pushStream();
    const it = followMerged([
      { replica: 1, stream: a },
      { replica: 2, stream: b },
    ]);
    b.push(line('2026-01-01T00:00:02Z', 'from two'));
    expect((await it.next()).value).toMatchObject({ replica: 2, text: 'from two' });
    a.push(line('2026-01-01T00:00:01Z', 'from one'));
    expect((await it.next()).value).toMatchObject({ replica: 1, text: 'from one', time: '2026-01-01T00:00:01Z' });
    a.end();
    b.push(line('2026-01-01T00:00:03Z', 'two again'));
    expect((await it.next()).value).toMatchObject({ replica: 2, text: 'two again' });
    b.end();
    expect((await it.next()).done).toBe(true);
    expect([a.closed, b.closed]).toEqual([true, true]);
  });

  it('ends at once with no streams', async () => {
    expect((await followMerged([]).next()).done).toBe(true);
  });
});
