import { BuildOutputParser, type RawBuildEvent } from './build-output';

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
