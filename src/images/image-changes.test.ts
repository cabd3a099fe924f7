import { ValidationError } from '../errors';
import { errorThrown } from '../errors/testing/error-thrown';
import { checkChanges, parseCmd, parseEnvPairs } from './image-changes';

describe('checkChanges', () => {
  it('answers the changes with ports normalised', () => {
    expect(checkChanges({ cmd: ['sh', '-c', 'echo "hi"'], env: { A: 'b $c' }, workdir: '/srv', expose: ['8080', '53/udp'], labels: { 'org.team': 'x' } })).toEqual({
      cmd: ['sh', '-c', 'echo "hi"'],
      env: { A: 'b $c' },
      workdir: '/srv',
      expose: ['8080/tcp', '53/udp'],
      labels: { 'org.team': 'x' },
    });
  });

  it.each([
    [{ cmd: [] }, 'changes.cmd'],
    [{ cmd: ['a\nRUN rm -rf /'] }, 'changes.cmd'],
    [{ cmd: 'sh' as unknown as string[] }, 'changes.cmd'],
    [{ env: { '1A': 'x' } }, 'changes.env'],
    [{ env: { 'A B': 'x' } }, 'changes.env'],
    [{ env: { A: 'x\ny' } }, 'changes.env'],
    [{ env: { A: 'x\u0000' } }, 'changes.env'],
    [{ workdir: 'rel' }, 'changes.workdir'],
    [{ workdir: '/a b' }, 'changes.workdir'],
    [{ workdir: '/$HOME' }, 'changes.workdir'],
    [{ expose: ['0'] }, 'changes.expose'],
    [{ expose: ['65536'] }, 'changes.expose'],
    [{ expose: ['80/sctp'] }, 'changes.expose'],
    [{ expose: ['80 81'] }, 'changes.expose'],
    [{ labels: { 'berth.instance': 'x' } }, 'changes.labels'],
    [{ labels: { 'a b': 'x' } }, 'changes.labels'],
    [{ labels: { a: 'x\ry' } }, 'changes.labels'],
    [{ env: ['A=b'] as unknown as Record<string, string> }, 'changes.env'],
    [{ expose: '80' as unknown as string[] }, 'changes.expose'],
  ])('refuses %p naming %s', (changes, field) => {
    expect(errorThrown(ValidationError, () => checkChanges(changes, 'changes.')).field).toBe(field);
  });
});

describe('parseCmd', () => {
  it('takes a JSON array of strings', () => {
    expect(parseCmd('["sh","-c","echo hi"]', 'cmd')).toEqual(['sh', '-c', 'echo hi']);
  });

  it.each(['sh -c true', '"sh"', '{"a":1}', '["sh",1]', '[]'])('refuses %s', (text) => {
    expect(errorThrown(ValidationError, () => parseCmd(text, 'cmd')).field).toBe('cmd');
  });
});

describe('parseEnvPairs', () => {
  it('splits at the first "="', () => {
    expect(parseEnvPairs(['A=b=c', 'B='], 'env')).toEqual({ A: 'b=c', B: '' });
  });

  it.each([[['A']], [['=x']], [['A=1', 'A=2']]])('refuses %p', (items) => {
    expect(errorThrown(ValidationError, () => parseEnvPairs(items, 'env')).field).toBe('env');
  });
});
