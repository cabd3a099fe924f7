import { validateRunRequest } from './run-request';

const LIMITS = { defaultTimeoutSeconds: 300, maxTimeoutSeconds: 3600, maxStdinBytes: 8 };
const validate = (body: Record<string, unknown>) => validateRunRequest({ image: 'busybox:1', command: ['true'], ...body }, LIMITS, () => 'id');

describe('validateRunRequest', () => {
  it('fills the defaults: network none, no capabilities, the default timeout', () => {
    expect(validate({})).toEqual({ spec: { id: 'id', image: 'busybox:1', command: ['true'], env: {}, timeoutSeconds: 300, network: 'none', capAdd: [] } });
  });

  it('keeps limits, env, stdin and allowed capabilities', () => {
    const { spec, stdin } = validate({
      memory: '64m',
      cpus: 0.5,
      env: { A_B: 'x y' },
      network: 'bridge',
      cap_add: ['cap_chown', 'SETUID'],
      stdin: 'héllo',
      timeout_seconds: 5,
    });
    expect(spec).toMatchObject({ memoryBytes: 64 * 1024 * 1024, nanoCpus: 5e8, env: { A_B: 'x y' }, network: 'bridge', capAdd: ['CHOWN', 'SETUID'], timeoutSeconds: 5 });
    expect(stdin).toBe('héllo');
  });

  it.each([
    [{ image: 'Bad Image' }, 'image'],
    [{ command: 'echo hi' }, 'command'],
    [{ command: [] }, 'command'],
    [{ command: [''] }, 'command'],
    [{ command: ['a', 'b\0'] }, 'command'],
    [{ env: { '1A': 'x' } }, 'env.1A'],
    [{ env: { A: 'x\ny' } }, 'env.A'],
    [{ timeout_seconds: 0 }, 'timeout_seconds'],
    [{ timeout_seconds: 1.5 }, 'timeout_seconds'],
    [{ timeout_seconds: 3601 }, 'timeout_seconds'],
    [{ memory: '1k' }, 'memory'],
    [{ cpus: 0 }, 'cpus'],
    [{ network: 'host' }, 'network'],
    [{ cap_add: ['SYS_ADMIN'] }, 'cap_add'],
    [{ stdin: 'ééééé' }, 'stdin'],
  ])('refuses %j naming %s', (body, field) => {
    expect(() => validate(body)).toThrow(expect.objectContaining({ code: 'invalid_input', field }));
  });
});
