import type { LogLine } from './engine.port';
import { LogFrameDecoder } from './log-frames';

/** One frame of the engine's multiplexed stream: type byte, three zero bytes, size, payload. */
function frame(type: 0 | 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Everything the decoder yields for `chunks`, including what `end()` flushes. */
function decode(multiplexed: boolean, chunks: Buffer[]): { lines: LogLine[]; rest: LogLine[] } {
  const decoder = new LogFrameDecoder(multiplexed);
  const lines = chunks.flatMap((c) => decoder.push(c));
  return { lines, rest: decoder.end() };
}

/** `bytes` cut at every single position, and byte by byte. */
function splits(bytes: Buffer): Array<[string, Buffer[]]> {
  const cases: Array<[string, Buffer[]]> = [];
  for (let i = 0; i <= bytes.length; i++) cases.push([`cut at ${i}`, [bytes.subarray(0, i), bytes.subarray(i)]]);
  cases.push(['byte by byte', [...bytes].map((b) => Buffer.from([b]))]);
  return cases;
}

describe('LogFrameDecoder (multiplexed)', () => {
  const stream = Buffer.concat([frame(1, 'hello\nwor'), frame(2, 'oops: café\n'), frame(1, 'ld 日本\r\nsecond\n'), frame(2, 'partial'), frame(1, 'tail')]);
  const expectedLines: LogLine[] = [
    { stream: 'stdout', text: 'hello' },
    { stream: 'stderr', text: 'oops: café' },
    { stream: 'stdout', text: 'world 日本' },
    { stream: 'stdout', text: 'second' },
  ];
  const expectedRest: LogLine[] = [
    { stream: 'stdout', text: 'tail' },
    { stream: 'stderr', text: 'partial' },
  ];

  it.each(splits(stream))('decodes the same lines when the bytes are %s', (_, chunks) => {
    expect(decode(true, chunks)).toEqual({ lines: expectedLines, rest: expectedRest });
  });

  it('keeps a line split across frames of one stream apart from the other stream', () => {
    const { lines } = decode(true, [Buffer.concat([frame(1, 'std'), frame(2, 'err\n'), frame(1, 'out\n')])]);
    expect(lines).toEqual([
      { stream: 'stderr', text: 'err' },
      { stream: 'stdout', text: 'stdout' },
    ]);
  });

  it('holds a partial line until end(), then forgets it', () => {
    const decoder = new LogFrameDecoder(true);
    expect(decoder.push(frame(1, 'no newline yet'))).toEqual([]);
    expect(decoder.end()).toEqual([{ stream: 'stdout', text: 'no newline yet' }]);
    expect(decoder.end()).toEqual([]);
  });

  it('trims a carriage return even when it ends one frame and the newline starts the next', () => {
    expect(decode(true, [Buffer.concat([frame(1, 'a\r'), frame(1, '\nb\r\n')])]).lines).toEqual([
      { stream: 'stdout', text: 'a' },
      { stream: 'stdout', text: 'b' },
    ]);
  });

  it('keeps empty lines and a carriage return inside a line', () => {
    expect(decode(true, [frame(1, '\na\rb\n\n')]).lines).toEqual([
      { stream: 'stdout', text: '' },
      { stream: 'stdout', text: 'a\rb' },
      { stream: 'stdout', text: '' },
    ]);
  });

  it('decodes a character split across two frames', () => {
    const bytes = Buffer.from('é\n', 'utf8');
    const stdoutFrame = (b: Buffer) => Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, b.length]), b]);
    expect(decode(true, [stdoutFrame(bytes.subarray(0, 1)), stdoutFrame(bytes.subarray(1))]).lines).toEqual([{ stream: 'stdout', text: 'é' }]);
  });

  it('counts stdin frames (type 0) as stdout', () => {
    expect(decode(true, [frame(0, 'x\n')]).lines).toEqual([{ stream: 'stdout', text: 'x' }]);
  });
});

describe('LogFrameDecoder (TTY, not multiplexed)', () => {
  const text = Buffer.from('line one\r\nzweite Zeile: ü\n\u0001\u0000\u0000\u0000 not a header\nlast', 'utf8');

  it.each(splits(text))('reads raw text as stdout when the bytes are %s', (_, chunks) => {
    expect(decode(false, chunks)).toEqual({
      lines: [
        { stream: 'stdout', text: 'line one' },
        { stream: 'stdout', text: 'zweite Zeile: ü' },
        { stream: 'stdout', text: '\u0001\u0000\u0000\u0000 not a header' },
      ],
      rest: [{ stream: 'stdout', text: 'last' }],
    });
  });
});
