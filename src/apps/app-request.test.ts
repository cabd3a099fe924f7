import { ValidationError } from '../errors';
import type { CreateAppRequest, UpdateAppRequest } from '../models/app.model';
import { validateAppPatch, validateCreateApp, type AppRequestOptions } from './app-request';
import type { AppRecord, AppSecrets } from './app.record';

const options: AppRequestOptions = { allowFileUrls: false, baseDomain: '', drainSeconds: 30 };
const git: CreateAppRequest = { name: 'web', git_repo: 'https://git.example.test/web.git', buildpack_type: 'nixpacks' };
const image: CreateAppRequest = { name: 'web', image: 'berth-test/nginx:alpine' };

/** The field of the ValidationError `fn` throws. */
function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.field;
    throw err;
  }
  throw new Error('no ValidationError was thrown');
}

describe('validateCreateApp: defaults', () => {
  it('fills in one replica, the default health check, start-first, the configured drain time, no port', () => {
    const app = validateCreateApp(image, options);
    expect(app.source).toEqual({ type: 'image', image: 'berth-test/nginx:alpine' });
    expect(app.config).toEqual({
      replicas: 1,
      volumes: {},
      healthCheck: { path: '/', intervalSeconds: 1, timeoutSeconds: 5, gateSeconds: 60 },
      strategy: 'start-first',
      drainSeconds: 30,
      envNames: [],
    });
    expect(app.domains).toEqual([]);
  });

  it('routes <name>.<base_domain> when a base domain is configured and no domains are given', () => {
    expect(validateCreateApp(image, { ...options, baseDomain: 'Apps.Example.test' }).domains).toEqual(['web.apps.example.test']);
    expect(validateCreateApp({ ...image, domains: [] }, { ...options, baseDomain: 'apps.example.test' }).domains).toEqual([]);
  });

  it('lower-cases domains', () => {
    expect(validateCreateApp({ ...image, domains: ['WWW.Example.TEST', 'example.test'] }, options).domains).toEqual(['www.example.test', 'example.test']);
  });

  it('keeps memory as given and in bytes, and merges a partial health check with the defaults', () => {
    const app = validateCreateApp({ ...image, memory: '256m', health_check: { path: '/healthz', gate_seconds: 10 } }, options);
    expect(app.config).toMatchObject({ memory: '256m', memoryBytes: 256 * 1024 * 1024 });
    expect(app.config.healthCheck).toEqual({ path: '/healthz', intervalSeconds: 1, timeoutSeconds: 5, gateSeconds: 10 });
  });
});

describe('validateCreateApp: secrets stay apart from the record', () => {
  it('keeps env and build_env values and git credentials in the secrets, names only in the record parts', () => {
    const app = validateCreateApp(
      { ...git, env: { DB_PASSWORD: 's3cret-run' }, build_env: { NPM_TOKEN: 's3cret-build' }, git_credentials: { token: 's3cret-token' } },
      options,
    );
    expect(app.config.envNames).toEqual(['DB_PASSWORD']);
    expect(app.buildEnvNames).toEqual(['NPM_TOKEN']);
    expect(app.secrets).toEqual({ env: { DB_PASSWORD: 's3cret-run' }, buildEnv: { NPM_TOKEN: 's3cret-build' }, credentials: { token: 's3cret-token' } });
    const { secrets: _secrets, ...parts } = app;
    expect(JSON.stringify(parts)).not.toMatch(/s3cret/);
  });

  it('moves credentials written into the repository URL out of the stored source', () => {
    const app = validateCreateApp({ ...git, git_repo: 'https://bot:s3cret-pw@git.example.test/web.git' }, options);
    expect(app.source).toEqual({ type: 'git', build: { git_repo: 'https://git.example.test/web.git', buildpack_type: 'nixpacks' } });
    expect(app.secrets.credentials).toEqual({ username: 'bot', token: 's3cret-pw' });
  });
});

describe('validateCreateApp: git sources are checked as builds are', () => {
  it('stores the build fields in their checked form', () => {
    const app = validateCreateApp({ ...git, buildpack_type: 'dockerfile', base_directory: './api/', dockerfile_config: { target: 'run' }, git_branch: 'main' }, options);
    expect(app.source).toEqual({
      type: 'git',
      build: {
        git_repo: 'https://git.example.test/web.git',
        git_branch: 'main',
        buildpack_type: 'dockerfile',
        base_directory: 'api',
        dockerfile_config: { target: 'run' },
      },
    });
  });

  it.each<[string, Partial<CreateAppRequest>, string]>([
    ['a file:// repository', { git_repo: 'file:///srv/repo' }, 'git_repo'],
    ['a bad branch', { git_branch: 'a..b' }, 'git_branch'],
    ['an unknown buildpack', { buildpack_type: 'heroku' }, 'buildpack_type'],
    ['a config of another buildpack', { static_config: { spa: true } }, 'static_config'],
    ['a base directory climbing out', { base_directory: '../up' }, 'base_directory'],
    ['a bad build_env name', { build_env: { 'A-B': 'x' } }, 'build_env.A-B'],
    ['a multi-line build_env value', { build_env: { TOKEN: 'a\nb' } }, 'build_env.TOKEN'],
    ['a bad deploy key', { git_credentials: { ssh_key: 'not a key' } }, 'git_credentials.ssh_key'],
    ['dockerfile build_args (build_env takes them)', { buildpack_type: 'dockerfile', dockerfile_config: { build_args: { A: '1' } } }, 'dockerfile_config.build_args'],
  ])('refuses %s', (_what, change, field) => {
    expect(fieldOf(() => validateCreateApp({ ...git, ...change }, options))).toBe(field);
  });

  it.each(['compose', 'docker-compose'])('refuses the %s buildpack with a message saying why', (type) => {
    expect(() => validateCreateApp({ ...git, buildpack_type: type }, options)).toThrow(/compose files are not deployed as apps/);
    expect(fieldOf(() => validateCreateApp({ ...git, buildpack_type: type }, options))).toBe('buildpack_type');
  });

  it('needs a buildpack_type with git_repo', () => {
    expect(fieldOf(() => validateCreateApp({ name: 'web', git_repo: 'https://git.example.test/web.git' }, options))).toBe('buildpack_type');
  });
});

describe('validateCreateApp: every bad input names its API field', () => {
  it.each<[string, Partial<CreateAppRequest>, string]>([
    ['an upper-case name', { name: 'Web' }, 'name'],
    ['a name with "_"', { name: 'my_app' }, 'name'],
    ['a name ending in "-"', { name: 'web-' }, 'name'],
    ['no source', { image: undefined }, 'git_repo'],
    ['image and git_repo at once', { git_repo: 'https://git.example.test/web.git' }, 'git_repo'],
    ['a bad image', { image: 'Nginx:Alpine' }, 'image'],
    ['build_env on an image app', { build_env: { A: '1' } }, 'build_env'],
    ['watch_paths on an image app', { watch_paths: ['src/'] }, 'watch_paths'],
    ['a bad env name', { env: { '1A': 'x' } }, 'env.1A'],
    ['a newline in an env value', { env: { A: 'x\ny' } }, 'env.A'],
    ['port 0', { port: 0 }, 'port'],
    ['port 65536', { port: 65536 }, 'port'],
    ['0 replicas', { replicas: 0 }, 'replicas'],
    ['33 replicas', { replicas: 33 }, 'replicas'],
    ['2.5 replicas', { replicas: 2.5 }, 'replicas'],
    ['too little memory', { memory: '1m' }, 'memory'],
    ['memory without a number', { memory: 'lots' }, 'memory'],
    ['0 cpus', { cpus: 0 }, 'cpus'],
    ['an empty command', { command: [] }, 'command'],
    ['a relative mount path', { volumes: { data: 'data' } }, 'volumes.data'],
    ['a bad volume name', { volumes: { Data: '/data' } }, 'volumes.Data'],
    ['a health path without "/"', { health_check: { path: 'health' } }, 'health_check.path'],
    ['a zero gate', { health_check: { gate_seconds: 0 } }, 'health_check.gate_seconds'],
    ['a negative interval', { health_check: { interval_seconds: -1 } }, 'health_check.interval_seconds'],
    ['an unknown strategy', { strategy: 'rolling' as 'start-first' }, 'strategy'],
    ['a negative drain time', { drain_seconds: -1 }, 'drain_seconds'],
    ['a domain with a space', { domains: ['ok.test', 'bad host.test'] }, 'domains[1]'],
    ['a domain given twice', { domains: ['a.test', 'A.test'] }, 'domains[1]'],
    ['a domain with a port', { domains: ['a.test:80'] }, 'domains[0]'],
  ])('refuses %s', (_what, change, field) => {
    expect(fieldOf(() => validateCreateApp({ ...image, ...change }, options))).toBe(field);
  });

  it('refuses a bad watch path, naming the entry', () => {
    expect(fieldOf(() => validateCreateApp({ ...git, watch_paths: ['src/', 'a\nb'] }, options))).toBe('watch_paths[1]');
  });
});

describe('validateAppPatch', () => {
  const secrets: AppSecrets = { env: { A: 'one', B: 'two' }, buildEnv: { NPM_TOKEN: 'tok' }, credentials: { token: 'git-tok' }, webhookSecret: 'w' };
  function current(): AppRecord {
    const app = validateCreateApp({ ...git, env: { A: 'one', B: 'two' }, build_env: { NPM_TOKEN: 'tok' }, replicas: 2, domains: ['web.test'] }, options);
    return {
      name: 'web',
      source: app.source,
      config: { ...app.config, secretsVersion: 1 },
      domains: app.domains,
      buildEnvNames: app.buildEnvNames,
      hasCredentials: true,
      createdAt: 't',
      updatedAt: 't',
      version: 1,
    };
  }
  const patch = (p: UpdateAppRequest) => validateAppPatch(current(), secrets, p, options);

  it('sets and removes single variables, keeping the others and their values', () => {
    const app = patch({ env: { B: null, C: 'three' } });
    expect(app.secrets.env).toEqual({ A: 'one', C: 'three' });
    expect(app.config.envNames).toEqual(['A', 'C']);
    expect(app.secrets.buildEnv).toEqual({ NPM_TOKEN: 'tok' });
    expect(app.secrets.credentials).toEqual({ token: 'git-tok' });
  });

  it('keeps what the patch does not name', () => {
    const app = patch({ replicas: 3 });
    expect(app.config.replicas).toBe(3);
    expect(app.domains).toEqual(['web.test']);
    expect(app.source).toEqual(current().source);
    expect(app.secrets.env).toEqual(secrets.env);
  });

  it('keeps the stored git credentials across a change, unless new ones come with it', () => {
    expect(patch({ git_repo: 'https://git.example.test/moved.git' }).secrets.credentials).toEqual({ token: 'git-tok' });
    expect(patch({ git_credentials: { token: 'new-tok' } }).secrets.credentials).toEqual({ token: 'new-tok' });
    const moved = patch({ git_repo: 'https://bot:url-tok@git.example.test/moved.git' });
    expect(moved.secrets.credentials).toEqual({ username: 'bot', token: 'url-tok' });
    expect(moved.source).toMatchObject({ build: { git_repo: 'https://git.example.test/moved.git' } });
  });

  it('merges a partial health check with the current one', () => {
    expect(patch({ health_check: { path: '/up' } }).config.healthCheck).toEqual({ path: '/up', intervalSeconds: 1, timeoutSeconds: 5, gateSeconds: 60 });
  });

  it('overlays git fields on the current source, and turns the app into an image app when given an image', () => {
    expect(patch({ git_branch: 'release' }).source).toEqual({
      type: 'git',
      build: { git_repo: 'https://git.example.test/web.git', buildpack_type: 'nixpacks', git_branch: 'release' },
    });
    expect(fieldOf(() => patch({ image: 'web:2' }))).toBe('build_env'); // build_env has no use without a build
    expect(patch({ image: 'web:2', build_env: { NPM_TOKEN: null } }).source).toEqual({ type: 'image', image: 'web:2' });
  });

  it('checks the result as a create would, naming the patched field', () => {
    expect(fieldOf(() => patch({ replicas: 0 }))).toBe('replicas');
    expect(fieldOf(() => patch({ env: { 'no spaces': 'x' } }))).toBe('env.no spaces');
    expect(fieldOf(() => patch({ buildpack_type: 'compose' }))).toBe('buildpack_type');
  });
});
