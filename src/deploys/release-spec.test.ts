import { ValidationError } from '../errors';
import { DEFAULT_HEALTH_CHECK, checkReleaseSpec, replicaContainerSpec, replicaName, volumeName, type ReleaseSpec } from './release-spec';

const base = (over: Partial<ReleaseSpec> = {}): ReleaseSpec => ({
  app: 'shop',
  release: 7,
  image: 'berth/shop:abc123',
  env: { NODE_ENV: 'production' },
  port: 3000,
  setPortEnv: true,
  replicas: 2,
  volumes: {},
  healthCheck: { ...DEFAULT_HEALTH_CHECK },
  ...over,
});

function fieldOf(spec: ReleaseSpec): string | undefined {
  try {
    checkReleaseSpec(spec);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).field;
  }
}

describe('replicaContainerSpec', () => {
  it('names, labels and publishes each replica on 127.0.0.1 at a port the engine picks', () => {
    const spec = replicaContainerSpec(base({ memoryBytes: 64 * 1024 * 1024, cpus: 0.5, command: ['node', 'server.js'] }), 2, 'prod');
    expect(spec).toEqual({
      image: 'berth/shop:abc123',
      name: 'berth-shop-r7-2',
      command: ['node', 'server.js'],
      env: { NODE_ENV: 'production', PORT: '3000' },
      labels: {
        'berth.managed': 'true',
        'berth.instance': 'prod',
        'berth.system': 'false',
        'berth.app': 'shop',
        'berth.release': '7',
        'berth.replica': '2',
      },
      ports: [{ containerPort: 3000, protocol: 'tcp', hostIp: '127.0.0.1' }],
      restartPolicy: { name: 'unless-stopped' },
      init: true,
      mounts: [],
      memoryBytes: 64 * 1024 * 1024,
      nanoCpus: 500_000_000,
    });
  });

  it('leaves PORT alone when the app declares its port, and Berth labels win over env-like input', () => {
    const spec = replicaContainerSpec(base({ setPortEnv: false, env: { PORT: '9999' } }), 1, 'prod');
    expect(spec.env).toEqual({ PORT: '9999' });
    expect(spec).not.toHaveProperty('memoryBytes');
    expect(spec).not.toHaveProperty('command');
  });

  it('PORT from the spec overrides a PORT in env when Berth sets it', () => {
    expect(replicaContainerSpec(base({ env: { PORT: '1' } }), 1, 'i').env.PORT).toBe('3000');
  });

  it('mounts each named volume under a name of the app', () => {
    const spec = replicaContainerSpec(base({ volumes: { data: '/var/lib/data', cache: '/cache' } }), 1, 'i');
    expect(spec.mounts).toEqual([
      { volume: 'berth-shop_data', path: '/var/lib/data' },
      { volume: 'berth-shop_cache', path: '/cache' },
    ]);
  });

  it('names never collide across apps and releases', () => {
    expect(replicaName('a-r1', 2, 3)).toBe('berth-a-r1-r2-3');
    expect(volumeName('a-b', 'c')).not.toBe(volumeName('a', 'b-c'));
  });
});

describe('checkReleaseSpec', () => {
  it('accepts a full spec', () => {
    expect(fieldOf(base({ volumes: { data: '/data' }, memoryBytes: 6 * 1024 * 1024, cpus: 2, command: ['sh'] }))).toBeUndefined();
  });

  it.each<[string, Partial<ReleaseSpec>]>([
    ['name', { app: 'Shop' }],
    ['name', { app: 'a_b' }],
    ['name', { app: '-a' }],
    ['release', { release: 0 }],
    ['release', { release: 1.5 }],
    ['image', { image: 'Bad Image' }],
    ['env.1X', { env: { '1X': 'v' } }],
    ['env.A', { env: { A: 'line\nbreak' } }],
    ['port', { port: 0 }],
    ['port', { port: 65536 }],
    ['replicas', { replicas: 0 }],
    ['replicas', { replicas: 33 }],
    ['memory', { memoryBytes: 1024 }],
    ['cpus', { cpus: 0 }],
    ['command', { command: [] }],
    ['volumes.Data', { volumes: { Data: '/data' } }],
    ['volumes.data', { volumes: { data: 'data' } }],
    ['volumes.data', { volumes: { data: '/' } }],
    ['volumes.data', { volumes: { data: '/a/../b' } }],
    ['volumes.data', { volumes: { data: '/data/' } }],
    ['volumes.b', { volumes: { a: '/data', b: '/data' } }],
  ])('refuses a bad %s', (field, over) => {
    expect(fieldOf(base(over))).toBe(field);
  });

  it.each<[string, Partial<ReleaseSpec['healthCheck']>]>([
    ['health_check.path', { path: 'health' }],
    ['health_check.path', { path: '/with space' }],
    ['health_check.path', { path: '/a\r\nHost: x' }],
    ['health_check.interval_seconds', { intervalSeconds: 0 }],
    ['health_check.timeout_seconds', { timeoutSeconds: Number.NaN }],
    ['health_check.gate_seconds', { gateSeconds: 0.5 }],
    ['health_check.gate_seconds', { gateSeconds: 3601 }],
  ])('refuses a bad %s', (field, over) => {
    expect(fieldOf(base({ healthCheck: { ...DEFAULT_HEALTH_CHECK, ...over } }))).toBe(field);
  });

  it('defaults the health check as documented', () => {
    expect(DEFAULT_HEALTH_CHECK).toEqual({ path: '/', intervalSeconds: 1, timeoutSeconds: 5, gateSeconds: 60 });
  });
});
