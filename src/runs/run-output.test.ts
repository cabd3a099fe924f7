import { RunOutput, cutToBytes } from './run-output';

describe('RunOutput', () => {
  it('keeps each stream to the cap apart, cutting the crossing line', () => {
    const out = new RunOutput(6);
    expect(out.take({ stream: 'stdout', text: 'abc' })).toEqual({ stream: 'stdout', text: 'abc' });
    expect(out.take({ stream: 'stderr', text: 'xyz' })).toEqual({ stream: 'stderr', text: 'xyz' });
    expect(out.take({ stream: 'stdout', text: 'defgh' })).toEqual({ stream: 'stdout', text: 'd' });
    expect(out.take({ stream: 'stdout', text: 'more' })).toBeUndefined();
    expect(out.truncated).toEqual({ stdout: true, stderr: false });
    expect(out.notice()).toMatch(/^stdout cut at 6 bytes/);
  });

  it('never splits a UTF-8 character', () => {
    expect(cutToBytes('aé', 2)).toBe('a');
    expect(cutToBytes('aé', 3)).toBe('aé');
  });
});
