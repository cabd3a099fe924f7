import { BuildOutputParser, BuildStreamReader, EVENT_MAX_BYTES, LINE_MAX_BYTES, LineSplitter, parseBuildEvent, type RawBuildEvent } from './build-output';

/** Every line the parser gives for `events`, including the final flush. */
function lines(events: RawBuildEvent[]): { lines: string[]; parser: BuildOutputParser } {
  const parser = new BuildOutputParser();
  const out = events.flatMap((e) => parser.push(e));
  return { lines: [...out, ...parser.flush()], parser };
}

describe('BuildOutputParser', () => {
  it('turns a Docker legacy-builder stream into lines and keeps the image id', () => {
    const { lines: out, parser } = lines([
      { stream: 'Step 1/2 : FROM alpine:3.19\n' },
      { stream: ' ---> 05455a08881e\n' },
      { stream: 'Step 2/2 : LABEL a=b\n' },
      { stream: ' ---> Running in 1f2e3d\n' },
      { stream: 'Removing intermediate container 1f2e3d\n' },
      { aux: { ID: 'sha256:' + 'ab'.repeat(32) } },
      { stream: 'Successfully built abababababab\n' },
      { stream: 'Successfully tagged app:latest\n' },
    ]);
    expect(out).toEqual([
      'Step 1/2 : FROM alpine:3.19',
      ' ---> 05455a08881e',
      'Step 2/2 : LABEL a=b',
      ' ---> Running in 1f2e3d',
      'Removing intermediate container 1f2e3d',
      'Successfully built abababababab',
      'Successfully tagged app:latest',
    ]);
    expect(parser.imageId).toBe('sha256:' + 'ab'.repeat(32));
    expect(parser.error).toBeUndefined();
  });

  it('joins a line split across events and splits events holding several lines', () => {
    expect(lines([{ stream: 'STEP 1/3: FR' }, { stream: 'OM alpine\nSTEP 2/3: RUN ' }, { stream: 'true\nSTEP 3/3' }, { stream: ': COMMIT\n' }]).lines).toEqual([
      'STEP 1/3: FROM alpine',
      'STEP 2/3: RUN true',
      'STEP 3/3: COMMIT',
    ]);
  });

  it('returns only the lines an event completes, keeping the rest for later', () => {
    const parser = new BuildOutputParser();
    expect(parser.push({ stream: 'one\ntw' })).toEqual(['one']);
    expect(parser.push({ stream: 'o' })).toEqual([]);
    expect(parser.push({ stream: '\n' })).toEqual(['two']);
    expect(parser.flush()).toEqual([]);
  });

  it('drops carriage returns at line ends and blank lines, and keeps indentation and UTF-8', () => {
    expect(lines([{ stream: 'a\r\n\n   \r\n  indented ✓ 日本\r\n' }]).lines).toEqual(['a', '  indented ✓ 日本']);
  });

  it('reports status events (pulls) as lines of their own', () => {
    expect(lines([{ status: 'Pulling from library/alpine' }, { status: 'Digest: sha256:abc' }, { stream: 'after\n' }]).lines).toEqual([
      'Pulling from library/alpine',
      'Digest: sha256:abc',
      'after',
    ]);
  });

  it('gives a last line without a newline on flush, once', () => {
    const parser = new BuildOutputParser();
    expect(parser.push({ stream: 'no newline at the end' })).toEqual([]);
    expect(parser.flush()).toEqual(['no newline at the end']);
    expect(parser.flush()).toEqual([]);
  });

  it('ignores events with neither text nor error', () => {
    const { lines: out, parser } = lines([{}, { aux: {} }, { stream: '' }]);
    expect(out).toEqual([]);
    expect(parser.imageId).toBeUndefined();
    expect(parser.error).toBeUndefined();
  });

  it('takes a Docker error (errorDetail with code) as the failure, after the pending text', () => {
    const parser = new BuildOutputParser();
    expect(parser.push({ stream: 'Step 2/2 : RUN exit 3\n ---> Running in 9a' })).toEqual(['Step 2/2 : RUN exit 3']);
    const message = "The command '/bin/sh -c exit 3' returned a non-zero code: 3";
    expect(parser.push({ errorDetail: { code: 3, message }, error: message })).toEqual([' ---> Running in 9a', `ERROR: ${message}`]);
    expect(parser.error).toBe(message);
  });

  it('takes a Podman error (error only, with trailing newline) as the failure', () => {
    const parser = new BuildOutputParser();
    expect(parser.push({ error: 'building at STEP "RUN false": exit status 1\n' })).toEqual(['ERROR: building at STEP "RUN false": exit status 1']);
    expect(parser.error).toBe('building at STEP "RUN false": exit status 1');
  });

  it('prefers errorDetail.message, and detects a failure even when its message is blank', () => {
    const parser = new BuildOutputParser();
    parser.push({ error: 'short', errorDetail: { message: 'detailed message' } });
    expect(parser.error).toBe('detailed message');
    const blank = new BuildOutputParser();
    blank.push({ errorDetail: { message: '  ' } });
    expect(blank.error).toBeDefined();
  });

  it('keeps the last image id when several are reported (multi-stage builds)', () => {
    const { parser } = lines([{ aux: { ID: 'sha256:first' } }, { aux: { ID: 'sha256:second' } }]);
    expect(parser.imageId).toBe('sha256:second');
  });
});

const bytes = (text: string) => Buffer.byteLength(text);
const ndjson = (...events: RawBuildEvent[]) => Buffer.from(events.map((e) => JSON.stringify(e) + '\r\n').join(''));

describe('BuildOutputParser line cap', () => {
  it('cuts a line longer than the cap, marks the cut, and drops the rest of it', () => {
    const parser = new BuildOutputParser(100);
    const out = [...parser.push({ stream: 'a'.repeat(300) + '\nnext\n' }), ...parser.flush()];
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^a+ \[berth: line cut\]$/);
    expect(bytes(out[0] ?? '')).toBeLessThanOrEqual(100);
    expect(out[1]).toBe('next');
  });

  it('holds no more than the cap of a line that never ends, however much of it comes', () => {
    const parser = new BuildOutputParser(100);
    const out: string[] = [];
    for (let i = 0; i < 1000; i++) out.push(...parser.push({ stream: 'y'.repeat(1000) }));
    out.push(...parser.push({ stream: 'end of it\nnew line\n' }));
    expect(out).toHaveLength(2);
    expect(bytes(out[0] ?? '')).toBeLessThanOrEqual(100);
    expect(out[1]).toBe('new line');
  });

  it('never splits a multi-byte character when cutting', () => {
    const parser = new BuildOutputParser(50);
    const [line] = parser.push({ stream: '日本語'.repeat(40) + '\n' });
    expect(bytes(line ?? '')).toBeLessThanOrEqual(50);
    expect(line).toMatch(/^(日本語|日本|日)+ \[berth: line cut\]$/);
    expect(line).not.toContain('\uFFFD');
  });

  it('caps an error message too, and still records it whole', () => {
    const parser = new BuildOutputParser(100);
    const message = 'building at STEP "RUN ' + 'x'.repeat(500) + '": exit status 1';
    const out = parser.push({ error: message });
    expect(bytes(out[0] ?? '')).toBeLessThanOrEqual(100);
    expect(parser.error).toBe(message);
  });

  it('once silenced gives no lines but still catches the failure and the image id', () => {
    const parser = new BuildOutputParser();
    expect(parser.push({ stream: 'one\ntw' })).toEqual(['one']);
    parser.silence();
    expect(parser.push({ stream: 'o\nthree\n' })).toEqual([]);
    expect(parser.push({ aux: { ID: 'sha256:abc' } })).toEqual([]);
    expect(parser.push({ error: 'it broke' })).toEqual([]);
    expect(parser.flush()).toEqual([]);
    expect(parser.imageId).toBe('sha256:abc');
    expect(parser.error).toBe('it broke');
  });

  it('takes the image id from "Successfully built" when no aux event came (both engines print it)', () => {
    const parser = new BuildOutputParser();
    parser.silence();
    parser.push({ stream: 'Successfully built 0a6e38ab1e4a\n' });
    expect(parser.imageId).toBe('0a6e38ab1e4a');
  });
});

describe('LineSplitter', () => {
  it('joins a line split across chunks and splits chunks holding several lines', () => {
    const splitter = new LineSplitter(1000);
    expect(splitter.push(Buffer.from('{"stream":"a"}\r\n{"str'))).toEqual([{ text: '{"stream":"a"}', cut: false }]);
    expect(splitter.push(Buffer.from('eam":"b"}\n\n{"x":1}'))).toEqual([
      { text: '{"stream":"b"}', cut: false },
      { text: '', cut: false },
    ]);
    expect(splitter.end()).toEqual([{ text: '{"x":1}', cut: false }]);
    expect(splitter.end()).toEqual([]);
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const splitter = new LineSplitter(1000);
    const whole = Buffer.from('{"stream":"✓ 日本\\n"}\n');
    const cutAt = whole.indexOf(Buffer.from('日')) + 1;
    expect(splitter.push(whole.subarray(0, cutAt))).toEqual([]);
    const [line] = splitter.push(whole.subarray(cutAt));
    expect(JSON.parse(line?.text ?? '')).toEqual({ stream: '✓ 日本\n' });
  });

  it('holds at most the cap of a line without a newline, and marks it cut', () => {
    const splitter = new LineSplitter(64);
    for (let i = 0; i < 10_000; i++) expect(splitter.push(Buffer.alloc(1000, 0x61))).toEqual([]);
    expect(splitter.pendingBytes).toBe(64);
    expect(splitter.push(Buffer.from('tail\nok\n'))).toEqual([
      { text: 'a'.repeat(64), cut: true },
      { text: 'ok', cut: false },
    ]);
    expect(splitter.pendingBytes).toBe(0);
  });
});

describe('parseBuildEvent', () => {
  it('reads events and ignores what is not one', () => {
    expect(parseBuildEvent({ text: '{"stream":"x"}', cut: false })).toEqual({ stream: 'x' });
    for (const text of ['', 'not json', '[1]', '3', 'null']) expect(parseBuildEvent({ text, cut: false })).toBeUndefined();
  });

  it('keeps an over-long error event a failure, and notes an over-long output chunk', () => {
    expect(parseBuildEvent({ text: '{"errorDetail":{"message":"xxx', cut: true })?.error).toMatch(/too long/);
    expect(parseBuildEvent({ text: '{"error":"xxx', cut: true })?.error).toMatch(/too long/);
    expect(parseBuildEvent({ text: '{"stream":"yyy', cut: true })?.stream).toMatch(/left out/);
  });
});

describe('BuildStreamReader', () => {
  it('turns raw Docker bytes, split anywhere, into the same lines as whole events', () => {
    const raw = ndjson(
      { stream: 'Step 1/2 : FROM busybox' },
      { stream: '\n' },
      { stream: ' ---> Running in 1f2e\n' },
      { stream: 'ünïcödé ✓\n' },
      { aux: { ID: 'sha256:' + 'ab'.repeat(32) } },
      { stream: 'Successfully built abababababab\n' },
    );
    for (const size of [1, 2, 3, 7, raw.length]) {
      const reader = new BuildStreamReader();
      const out: string[] = [];
      for (let i = 0; i < raw.length; i += size) out.push(...reader.push(raw.subarray(i, i + size)));
      out.push(...reader.end());
      expect(out).toEqual(['Step 1/2 : FROM busybox', ' ---> Running in 1f2e', 'ünïcödé ✓', 'Successfully built abababababab']);
      expect(reader.parser.imageId).toBe('sha256:' + 'ab'.repeat(32));
    }
  });

  it('reads a Podman failure (error without code) after a flood of output, every line within the cap', () => {
    const reader = new BuildStreamReader();
    let longest = 0;
    let count = 0;
    const chunk = ndjson({ stream: 'y\n'.repeat(2000) + 'z'.repeat(3 * LINE_MAX_BYTES) });
    for (let i = 0; i < 200; i++) {
      for (const line of reader.push(chunk)) {
        longest = Math.max(longest, bytes(line));
        count++;
      }
    }
    const end = [...reader.push(ndjson({ error: 'building at STEP "RUN yes": exit status 1\n' })), ...reader.end()];
    expect(count).toBeGreaterThan(200 * 2000);
    expect(longest).toBeLessThanOrEqual(LINE_MAX_BYTES);
    expect(end.at(-1)).toBe('ERROR: building at STEP "RUN yes": exit status 1');
    expect(reader.parser.error).toBe('building at STEP "RUN yes": exit status 1');
  });

  it('survives an engine event larger than the event cap, without a newline in sight', () => {
    const reader = new BuildStreamReader();
    const head = Buffer.from('{"stream":"');
    expect(reader.push(head)).toEqual([]);
    for (let i = 0; i < 3; i++) reader.push(Buffer.alloc(EVENT_MAX_BYTES, 0x78));
    const out = [...reader.push(Buffer.from('"}\n')), ...reader.push(ndjson({ stream: 'after\n' })), ...reader.end()];
    expect(out).toEqual([`[berth: an output chunk over ${EVENT_MAX_BYTES} bytes was left out]`, 'after']);
  });
});
