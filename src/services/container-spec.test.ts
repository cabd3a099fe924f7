import { ValidationError } from '../errors';
import { errorThrown } from '../errors/testing/error-thrown';
import type { CreateContainerRequest } from '../models/container.model';
import { parseMemory, parsePorts, parseRestartPolicy, parseSince, parseTail, toContainerSpec } from './container-spec';

const validationError = (fn: () => unknown): ValidationError => errorThrown(ValidationError, fn);

const MiB = 1024 * 1024;

describe('toContainerSpec', () => {
  it('turns the documented example into the exact engine spec', () => {
    const req: CreateContainerRequest = {
      image: 'nginx:alpine',
      name: 'my-nginx',
      ports: { '8080': '80' },
      environment: { ENV: 'production' },
      restart_policy: 'unless-stopped',
    };
    expect(toContainerSpec(req, 'default')).toStrictEqual({
      image: 'nginx:alpine',
      name: 'my-nginx',
      env: { ENV: 'production' },
      labels: { 'berth.managed': 'true', 'berth.instance': 'default', 'berth.system': 'false' },
      ports: [{ containerPort: 80, protocol: 'tcp', hostPort: 8080 }],
      restartPolicy: { name: 'unless-stopped' },
    });
  });

  it('fills defaults for a bare image and keeps client labels beside its own', () => {
    expect(toContainerSpec({ image: 'redis:7', labels: { team: 'web' } }, 'staging')).toStrictEqual({
      image: 'redis:7',
      env: {},
      labels: { team: 'web', 'berth.managed': 'true', 'berth.instance': 'staging', 'berth.system': 'false' },
      ports: [],
      restartPolicy: { name: 'no' },
    });
  });

  it('keeps tabs and non-ASCII text in environment and label values', () => {
    const spec = toContainerSpec({ image: 'a', environment: { A: 'x\ty', B: 'Zürich ✓' }, labels: { team: 'wéb\t1' } }, 'default');
    expect(spec.env).toEqual({ A: 'x\ty', B: 'Zürich ✓' });
    expect(spec.labels.team).toBe('wéb\t1');
  });

  it('converts command, memory and cpus', () => {
    const spec = toContainerSpec({ image: 'alpine', command: 'sleep  300', memory: '512m', cpus: 0.5 }, 'default');
    expect(spec.command).toEqual(['sleep', '300']);
    expect(spec.memoryBytes).toBe(512 * MiB);
    expect(spec.nanoCpus).toBe(500_000_000);
    expect(toContainerSpec({ image: 'alpine', command: ['sh', '-c', 'echo a b'] }, 'default').command).toEqual(['sh', '-c', 'echo a b']);
  });

  it('runs an init only when asked', () => {
    expect(toContainerSpec({ image: 'alpine', init: true }, 'default').init).toBe(true);
    expect(toContainerSpec({ image: 'alpine', init: false }, 'default')).not.toHaveProperty('init');
    expect(toContainerSpec({ image: 'alpine' }, 'default')).not.toHaveProperty('init');
  });

  it.each<[string, CreateContainerRequest, string]>([
    ['an empty image', { image: '' }, 'image'],
    ['an image with a space', { image: 'nginx alpine' }, 'image'],
    ['a name starting with "-"', { image: 'a', name: '-web' }, 'name'],
    ['a name with a slash', { image: 'a', name: 'a/b' }, 'name'],
    ['a host port that is not a number', { image: 'a', ports: { abc: '80' } }, 'ports.abc'],
    ['a container port out of range', { image: 'a', ports: { '8080': '70000' } }, 'ports.8080'],
    ['host port 0', { image: 'a', ports: { '0': '80' } }, 'ports.0'],
    ['an IPv4 host address out of range', { image: 'a', ports: { '300.0.0.1:8080': '80' } }, 'ports.300.0.0.1:8080'],
    ['an unknown protocol', { image: 'a', ports: { '8080': '80/icmp' } }, 'ports.8080'],
    ['an unknown restart policy', { image: 'a', restart_policy: 'sometimes' }, 'restart_policy'],
    ['a retry count on "always"', { image: 'a', restart_policy: 'always:3' }, 'restart_policy'],
    ['memory below 6m', { image: 'a', memory: '5m' }, 'memory'],
    ['memory with an unknown unit', { image: 'a', memory: '1t' }, 'memory'],
    ['zero cpus', { image: 'a', cpus: 0 }, 'cpus'],
    ['negative cpus', { image: 'a', cpus: -1 }, 'cpus'],
    ['more cpus than possible', { image: 'a', cpus: 2000 }, 'cpus'],
    ['an init that is not a boolean', { image: 'a', init: 'yes' as unknown as boolean }, 'init'],
    ["a label in Berth's namespace", { image: 'a', labels: { 'berth.x': 'y' } }, 'labels.berth.x'],
    ['a label key with a space', { image: 'a', labels: { 'a b': 'y' } }, 'labels.a b'],
    ['an environment name starting with a digit', { image: 'a', environment: { '1BAD': 'x' } }, 'environment.1BAD'],
    ['an environment value that is not a string', { image: 'a', environment: { N: 1 as unknown as string } }, 'environment.N'],
    ['an empty command', { image: 'a', command: '   ' }, 'command'],
    ['an environment value with a newline', { image: 'a', environment: { A: 'x\nB=y' } }, 'environment.A'],
    ['an environment value with a carriage return', { image: 'a', environment: { A: 'x\r' } }, 'environment.A'],
    ['an environment value with an escape', { image: 'a', environment: { A: '\u001b[31m' } }, 'environment.A'],
    ['an environment value with a C1 control', { image: 'a', environment: { A: 'x\u0085' } }, 'environment.A'],
    ['an environment value with a NUL', { image: 'a', environment: { A: 'x\u0000' } }, 'environment.A'],
    ['a label value with a newline', { image: 'a', labels: { team: 'web\nops' } }, 'labels.team'],
  ])('rejects %s, naming the field', (_, req, field) => {
    const err = validationError(() => toContainerSpec(req, 'default'));
    expect(err.code).toBe('invalid_input');
    expect(err.field).toBe(field);
  });
});

describe('parsePorts', () => {
  it('reads host addresses, IPv6 in brackets and protocols', () => {
    expect(parsePorts({ '127.0.0.1:8080': '80', '[::1]:8081': 81, '53': '53/udp', '5000': '5000/TCP' })).toStrictEqual([
      { containerPort: 53, protocol: 'udp', hostPort: 53 },
      { containerPort: 5000, protocol: 'tcp', hostPort: 5000 },
      { containerPort: 80, protocol: 'tcp', hostPort: 8080, hostIp: '127.0.0.1' },
      { containerPort: 81, protocol: 'tcp', hostPort: 8081, hostIp: '::1' },
    ]);
  });
});

describe('parseRestartPolicy', () => {
  it.each([
    ['no', { name: 'no' }],
    ['always', { name: 'always' }],
    ['unless-stopped', { name: 'unless-stopped' }],
    ['on-failure', { name: 'on-failure' }],
    ['on-failure:5', { name: 'on-failure', maximumRetryCount: 5 }],
  ])('accepts %s', (value, expected) => {
    expect(parseRestartPolicy(value)).toStrictEqual(expected);
  });

  it.each(['always:3', 'unless-stopped:1', 'on-failure:', 'on-failure:-1', 'Always', ''])('rejects %j', (value) => {
    expect(validationError(() => parseRestartPolicy(value)).field).toBe('restart_policy');
  });
});

describe('parseMemory', () => {
  it.each<[string | number, number]>([
    [6 * MiB, 6 * MiB],
    ['6291456', 6 * MiB],
    ['6291456b', 6 * MiB],
    ['8192k', 8 * MiB],
    ['512m', 512 * MiB],
    ['512MB', 512 * MiB],
    ['512 m', 512 * MiB],
    ['1g', 1024 * MiB],
    ['1.5g', 1536 * MiB],
  ])('reads %j as %d bytes', (value, bytes) => {
    expect(parseMemory(value)).toBe(bytes);
  });

  it.each(['5m', '1024k', 0, '', 'lots', '-512m', '1t', 'm'])('rejects %j', (value) => {
    expect(validationError(() => parseMemory(value)).field).toBe('memory');
  });
});

describe('parseSince', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  it('reads Unix seconds, dropping fractions', () => {
    expect(parseSince('1700000000', now)).toBe(1700000000);
    expect(parseSince('1700000000.9', now)).toBe(1700000000);
  });

  it('reads RFC 3339 times with any offset', () => {
    expect(parseSince('2024-01-02T03:04:05Z', now)).toBe(1704164645);
    expect(parseSince('2024-01-02T05:04:05+02:00', now)).toBe(1704164645);
    expect(parseSince('2024-01-02T03:04:05.123456789Z', now)).toBe(1704164645);
  });

  it('reads durations back from now', () => {
    expect(parseSince('10m', now)).toBe(now / 1000 - 600);
    expect(parseSince('30s', now)).toBe(now / 1000 - 30);
    expect(parseSince('2h', now)).toBe(now / 1000 - 7200);
    expect(parseSince('1d', now)).toBe(now / 1000 - 86400);
  });

  it.each(['garbage', '', '10x', '-5m', 'foo 1', 'March 7', '1 2'])('rejects %j', (value) => {
    expect(validationError(() => parseSince(value, now)).field).toBe('since');
  });
});

describe('parseTail', () => {
  it('reads a line count, and "all" as no limit', () => {
    expect(parseTail('100')).toBe(100);
    expect(parseTail('0')).toBe(0);
    expect(parseTail('all')).toBeUndefined();
  });

  it.each(['', '-1', '1.5', 'ten', 'ALL', '1234567890'])('rejects %j', (value) => {
    expect(validationError(() => parseTail(value)).field).toBe('tail');
  });
});
