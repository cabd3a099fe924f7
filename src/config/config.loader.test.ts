import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from './config.loader';
import { configSchema } from './config.schema';
import { configError } from './testing/config-error';

const SHIPPED = join(__dirname, '..', '..', 'config', 'berth.toml');
const EXAMPLE = join(__dirname, '..', '..', 'config', 'berth.example.toml');

describe('parseConfig', () => {
  it('fills every section with its defaults when the file is empty', () => {
    const config = parseConfig('', 'empty.toml');
    for (const section of Object.keys(configSchema.shape)) expect(config).toHaveProperty([section], expect.any(Object));
    expect(config).toMatchObject({
      server: { host: '127.0.0.1', port: 3000, body_limit_bytes: 1048576, data_dir: '/var/lib/berth', instance: 'default' },
      docker: { runtime: 'docker', socket_path: '/var/run/docker.sock', rootless: false, build_dir: '/tmp/berth/builds', timeout_seconds: 30 },
      containers: { manage_all: false, stop_timeout_seconds: 10 },
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'berth' },
      auth: { tokens: [] },
      log: { level: 'info', format: 'json' },
    });
  });

  it('keeps the keys a section sets and defaults the others', () => {
    const config = parseConfig('[server]\nport = 8080\n', 'partial.toml');
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8080, body_limit_bytes: 1048576, data_dir: '/var/lib/berth', instance: 'default' });
    expect(config.docker.runtime).toBe('docker');
  });

  it.each([SHIPPED, EXAMPLE])('parses the shipped file %s', (file) => {
    const config = parseConfig(readFileSync(file, 'utf8'), file);
    expect(config.server.port).toBe(3000);
    expect(config.docker.socket_path).toBe('/var/run/docker.sock');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
  });

  it('reports an unknown section with its name, its value and the file', () => {
    const err = configError(() => parseConfig('[serverr]\nport = 3000\n', 'my.toml'));
    expect(err.file).toBe('my.toml');
    expect(err.problems).toEqual(['serverr = {"port":3000}: unknown key']);
    expect(err.message).toContain('my.toml');
  });

  it('reports an unknown nested key with its full path and value', () => {
    const err = configError(() => parseConfig('[server]\nprot = 3000\n', 'my.toml'));
    expect(err.problems).toEqual(['server.prot = 3000: unknown key']);
    expect(err.message).toMatch(/^invalid configuration in my\.toml:\n {2}server\.prot = 3000: unknown key$/);
  });

  it('reports each unknown key of a section as its own problem', () => {
    const err = configError(() => parseConfig('[server]\nprot = 1\nhots = "x"\n', 'my.toml'));
    expect(err.problems).toEqual(['server.prot = 1: unknown key', 'server.hots = "x": unknown key']);
  });

  it('reports a value of the wrong type with its path and value', () => {
    const err = configError(() => parseConfig('[server]\nport = "abc"\n', 'my.toml'));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^server\.port = "abc": .*number/i);
  });

  it('reports an out-of-range value and a bad enum value', () => {
    const err = configError(() => parseConfig('[server]\nport = 70000\n[docker]\nruntime = "containerd"\n', 'my.toml'));
    expect(err.problems).toEqual([expect.stringMatching(/^server\.port = 70000: /), expect.stringMatching(/^docker\.runtime = "containerd": /)]);
  });

  it('reports an integer too large for a number instead of crashing', () => {
    const err = configError(() => parseConfig('[server]\nport = 9007199254740993\n', 'my.toml'));
    expect(err.problems).toEqual([expect.stringMatching(/^server\.port = 9007199254740993: /)]);
  });

  it('reports a section that is not a table, even with an environment override for it', () => {
    const err = configError(() => parseConfig('server = 5\n', 'my.toml', { BERTH_SERVER_PORT: '8080' }));
    expect(err.problems).toEqual([expect.stringMatching(/^server = 5: /)]);
  });

  it('lists every problem together', () => {
    const text = '[server]\nprot = 1\nport = "x"\n[log]\nlevel = "loud"\n[extra]\n';
    const err = configError(() => parseConfig(text, 'many.toml', { BERTH_DOCKER_ROOTLESS: 'yes' }));
    expect(err.problems).toHaveLength(5);
    expect(err.problems).toEqual(
      expect.arrayContaining([
        'BERTH_DOCKER_ROOTLESS (docker.rootless) = "yes": not a valid boolean (true or false)',
        'server.prot = 1: unknown key',
        'extra = {}: unknown key',
        expect.stringMatching(/^server\.port = "x": /),
        expect.stringMatching(/^log\.level = "loud": /),
      ]),
    );
    expect(err.message.split('\n')).toHaveLength(6);
  });

  it('reports invalid TOML with its line', () => {
    const err = configError(() => parseConfig('[server]\nhost = "a"\nport = \n', 'broken.toml'));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^not valid TOML \(line 3, column \d+\)/);
    expect(err.message).toContain('broken.toml');
  });

  describe('environment overrides', () => {
    it('coerces BERTH_SERVER_PORT to a number and lets it win over the file', () => {
      const config = parseConfig('[server]\nport = 3000\n', 'f.toml', { BERTH_SERVER_PORT: '8080' });
      expect(config.server.port).toBe(8080);
    });

    it('coerces BERTH_DOCKER_ROOTLESS to a boolean', () => {
      expect(parseConfig('', 'f.toml', { BERTH_DOCKER_ROOTLESS: 'true' }).docker.rootless).toBe(true);
      expect(parseConfig('[docker]\nrootless = true\n', 'f.toml', { BERTH_DOCKER_ROOTLESS: 'false' }).docker.rootless).toBe(false);
    });

    it('sets auth.tokens from BERTH_API_TOKEN', () => {
      const config = parseConfig('', 'f.toml', { BERTH_API_TOKEN: 'a-token-of-at-least-16-chars' });
      expect(config.auth.tokens).toEqual(['a-token-of-at-least-16-chars']);
    });

    it('splits BERTH_AUTH_TOKENS on commas', () => {
      const config = parseConfig('', 'f.toml', { BERTH_AUTH_TOKENS: 'first-token-0123456789, second-token-0123456789,' });
      expect(config.auth.tokens).toEqual(['first-token-0123456789', 'second-token-0123456789']);
    });

    it('sets server.data_dir from BERTH_DATA_DIR and string keys as they are', () => {
      const config = parseConfig('', 'f.toml', { BERTH_DATA_DIR: '/srv/berth', BERTH_DOCKER_SOCKET_PATH: '/run/podman/podman.sock' });
      expect(config.server.data_dir).toBe('/srv/berth');
      expect(config.docker.socket_path).toBe('/run/podman/podman.sock');
    });

    it('ignores unset values and the variables of scripts, tests and benchmarks', () => {
      const others = {
        BERTH_CONFIG: 'x.toml',
        BERTH_ENGINES: 'docker podman',
        BERTH_WORKERS: '2',
        BERTH_PODMAN_SOCKET: '/run/berth/podman.sock',
        BERTH_REDIS_PORT: '6380',
        BERTH_REBUILD_IMAGES: '1',
        BERTH_BASE_IMAGE: 'berth-base:local',
        BERTH_ENGINE_SOCKET: '/run/podman/podman.sock',
        BERTH_TOKEN: 'x',
        BERTH_URL: 'http://127.0.0.1:3000',
        BERTH_TEST_ENGINE: 'podman',
        BERTH_TEST_REDIS_URL: 'redis://127.0.0.1:6379',
        BERTH_BENCH_REDIS_URL: 'redis://127.0.0.1:6379',
      };
      const config = parseConfig('', 'f.toml', { BERTH_SERVER_PORT: undefined, BERTH_MISSPELT: undefined, ...others });
      expect(config.server.port).toBe(3000);
      expect(config.redis.prefix).toBe('berth');
    });

    it('refuses a misspelt variable, naming it and the closest valid one', () => {
      const err = configError(() => parseConfig('', 'f.toml', { BERTH_REDIS_PREFX: 'nc', BERTH_SERVER_PORT: '8080' }));
      expect(err.problems).toEqual(['BERTH_REDIS_PREFX: unknown environment variable; did you mean BERTH_REDIS_PREFIX?']);
      expect(err.message).toContain('BERTH_REDIS_PREFX');
    });

    it('lists every unknown variable, without their values, and hints only when one is close', () => {
      const err = configError(() =>
        parseConfig('', 'f.toml', { BERTH_API_TOKNE: 'secret-token-value-0123456789', BERTH_SOMETHING_ELSE: 'x', BERTH_server_port: '1', NOT_BERTH_X: 'y' }),
      );
      expect(err.problems).toEqual([
        'BERTH_API_TOKNE: unknown environment variable; did you mean BERTH_API_TOKEN?',
        'BERTH_SOMETHING_ELSE: unknown environment variable',
        'BERTH_server_port: unknown environment variable; did you mean BERTH_SERVER_PORT?',
      ]);
      expect(err.message).not.toContain('secret-token-value');
    });

    it('reports a bad BERTH_SERVER_PORT naming the variable, the key and the value', () => {
      const err = configError(() => parseConfig('', 'f.toml', { BERTH_SERVER_PORT: 'abc' }));
      expect(err.file).toBe('f.toml');
      expect(err.problems).toEqual(['BERTH_SERVER_PORT (server.port) = "abc": not a valid number']);
    });
  });

  it('returns a deeply frozen object', () => {
    const config = parseConfig('[auth]\ntokens = ["a-token-of-at-least-16-chars"]\n', 'f.toml');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.auth.tokens)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => config.auth.tokens.push('x')).toThrow(TypeError);
  });

  describe('redaction of tokens in messages', () => {
    it('hides a token that is too short', () => {
      const err = configError(() => parseConfig('[auth]\ntokens = ["short-secret"]\n', 'f.toml'));
      expect(err.problems).toEqual(['auth.tokens.0 = "<redacted>": tokens must be at least 16 characters']);
      expect(err.message).not.toContain('short-secret');
    });

    it('hides a token given as a string instead of a list', () => {
      const err = configError(() => parseConfig('[auth]\ntokens = "a-secret-token-value-123"\n', 'f.toml'));
      expect(err.problems).toEqual([expect.stringMatching(/^auth\.tokens = "<redacted>": /)]);
      expect(err.message).not.toContain('a-secret-token-value-123');
    });

    it('hides a short token from BERTH_API_TOKEN', () => {
      const err = configError(() => parseConfig('', 'f.toml', { BERTH_API_TOKEN: 'tiny-secret' }));
      expect(err.message).toContain('auth.tokens.0');
      expect(err.message).not.toContain('tiny-secret');
    });

    it('hides the value of a misspelt key in [auth]', () => {
      const err = configError(() => parseConfig('[auth]\ntoken = "a-secret-token-value-123"\n', 'f.toml'));
      expect(err.problems).toEqual(['auth.token = "<redacted>": unknown key']);
      expect(err.message).not.toContain('a-secret-token-value-123');
    });
  });
});

describe('loadConfig', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the file named by BERTH_CONFIG and applies the environment', () => {
    const file = join(dir, 'berth.toml');
    writeFileSync(file, '[server]\nport = 4000\nhost = "0.0.0.0"\n');
    const config = loadConfig({ BERTH_CONFIG: file, BERTH_SERVER_PORT: '4001' });
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 4001 });
  });

  it('names the file in validation errors', () => {
    const file = join(dir, 'bad.toml');
    writeFileSync(file, '[docker]\nsocket = "/x.sock"\n');
    const err = configError(() => loadConfig({ BERTH_CONFIG: file }));
    expect(err.file).toBe(file);
    expect(err.message).toContain(`invalid configuration in ${file}:`);
    expect(err.problems).toEqual(['docker.socket = "/x.sock": unknown key']);
  });

  it('reports a file that cannot be read', () => {
    const file = join(dir, 'missing.toml');
    const err = configError(() => loadConfig({ BERTH_CONFIG: file }));
    expect(err.file).toBe(file);
    expect(err.problems).toEqual(['cannot read the file: ENOENT']);
  });
});
