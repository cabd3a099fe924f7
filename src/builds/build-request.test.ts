import { AppError, ValidationError } from '../errors';
import type { BuildRequest } from '../models/build.model';
import { relativePath, validateBuildRequest, type ValidatedBuild } from './build-request';

const base: BuildRequest = { git_repo: 'https://git.example.test/team/app.git', buildpack_type: 'dockerfile', image_tag: 'app' };
const SSH_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

function validate(overrides: Partial<BuildRequest> = {}, allowFileUrls = false): ValidatedBuild {
  return validateBuildRequest({ ...base, ...overrides }, { allowFileUrls, newId: () => 'generated-id' });
}

/** The ValidationError a request raises. */
function refusal(overrides: Partial<BuildRequest>, allowFileUrls = false): ValidationError {
  try {
    validate(overrides, allowFileUrls);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw new Error(`expected a ValidationError, got ${String(err)}`, { cause: err });
  }
  throw new Error(`expected ${JSON.stringify(overrides)} to be refused`);
}

describe('validateBuildRequest', () => {
  it('turns a minimal request into a spec with every default', () => {
    expect(validate()).toEqual({
      spec: {
        id: 'generated-id',
        gitRepo: 'https://git.example.test/team/app.git',
        gitHost: 'git.example.test',
        gitScheme: 'https',
        submodules: false,
        baseDirectory: '',
        noCache: false,
        network: 'default',
        plan: { buildpackType: 'dockerfile', imageTag: 'app:latest', env: {} },
      },
    });
  });

  it('carries every option of a full request into the spec', () => {
    const { spec, secrets } = validate({
      id: 'build-1.a_b',
      git_repo: 'git@git.example.test:team/app.git',
      git_branch: 'release/2.0',
      git_commit: 'ABCDEF1234567',
      git_submodules: true,
      base_directory: './services/api/',
      no_cache: true,
      network: 'none',
      image_tag: 'registry.local:5000/team/api:2.0',
      env: { NODE_ENV: 'production' },
      dockerfile_config: { dockerfile_path: './docker/prod.Dockerfile', build_args: { VERSION: '2.0' }, target: 'runtime' },
    });
    expect(secrets).toEqual({ env: { NODE_ENV: 'production' }, buildArgs: { VERSION: '2.0' } });
    expect(spec).toEqual({
      id: 'build-1.a_b',
      gitRepo: 'git@git.example.test:team/app.git',
      gitHost: 'git.example.test',
      gitScheme: 'ssh',
      gitBranch: 'release/2.0',
      gitCommit: 'abcdef1234567',
      submodules: true,
      baseDirectory: 'services/api',
      noCache: true,
      sealedValues: true,

      network: 'none',
      plan: {
        buildpackType: 'dockerfile',
        imageTag: 'registry.local:5000/team/api:2.0',
        env: { NODE_ENV: '' },
        dockerfile: { dockerfilePath: 'docker/prod.Dockerfile', buildArgs: { VERSION: '' }, target: 'runtime' },
      },
    });
  });

  it('maps nixpacks, static and compose options', () => {
    expect(
      validate({
        buildpack_type: 'nixpacks',
        nixpacks_config: { start_command: 'node server.js', build_command: 'npm run build', install_command: 'npm ci', variables: { PORT: '8080' } },
      }).spec.plan.nixpacks,
    ).toEqual({ startCommand: 'node server.js', buildCommand: 'npm run build', installCommand: 'npm ci', variables: { PORT: '8080' } });
    expect(
      validate({ buildpack_type: 'static', static_config: { build_command: 'npm run build', install_command: 'npm ci', output_dir: 'build/', spa: false } }).spec.plan
        .static,
    ).toEqual({ buildCommand: 'npm run build', installCommand: 'npm ci', outputDir: 'build', spa: false });
    expect(validate({ buildpack_type: 'docker-compose', compose_config: { compose_file: 'deploy/compose.yml', service: 'web' } }).spec.plan).toMatchObject({
      buildpackType: 'docker-compose',
      compose: { composeFile: 'deploy/compose.yml', service: 'web' },
    });
  });

  it('copies variables, so later changes to the request do not reach the spec', () => {
    const env = { A: '1' };
    const { secrets } = validate({ env });
    env.A = '2';
    expect(secrets?.env).toEqual({ A: '1' });
  });

  describe('secret values', () => {
    it('moves env and build arg values to the secrets, keeping only their names in the stored spec', () => {
      const { spec, secrets } = validate({
        git_credentials: { token: 'tok-secret-1' },
        env: { NPM_TOKEN: 'env-secret-1', EMPTY: '' },
        dockerfile_config: { build_args: { LICENSE_KEY: 'arg-secret-1' } },
      });
      expect(secrets).toEqual({ git: { token: 'tok-secret-1' }, env: { NPM_TOKEN: 'env-secret-1', EMPTY: '' }, buildArgs: { LICENSE_KEY: 'arg-secret-1' } });
      expect(spec.sealedValues).toBe(true);
      expect(spec.plan.env).toEqual({ NPM_TOKEN: '', EMPTY: '' });
      expect(spec.plan.dockerfile?.buildArgs).toEqual({ LICENSE_KEY: '' });
      expect(JSON.stringify(spec)).not.toMatch(/secret-1/);
    });

    it('leaves nixpacks variables (public, kept in the image) in the spec', () => {
      const { spec, secrets } = validate({ buildpack_type: 'nixpacks', nixpacks_config: { variables: { GREETING: 'hello' } }, env: { KEY: 'value-1' } });
      expect(spec.plan.nixpacks?.variables).toEqual({ GREETING: 'hello' });
      expect(spec.plan.env).toEqual({ KEY: '' });
      expect(secrets).toEqual({ env: { KEY: 'value-1' }, buildArgs: {} });
    });
  });

  describe('id', () => {
    it('keeps a given id and checks generated ones too', () => {
      expect(validate({ id: 'A1' }).spec.id).toBe('A1');
      expect(validate({ id: 'x'.repeat(128) }).spec.id).toHaveLength(128);
      expect(() => validateBuildRequest(base, { allowFileUrls: false, newId: () => '../bad' })).toThrow(ValidationError);
    });

    it.each(['', '-x', '.x', '_x', 'a b', 'a/b', '../etc', 'a:b', 'ü', 'a\nb', 'x'.repeat(129)])('refuses %j', (id) => {
      const err = refusal({ id });
      expect(err.field).toBe('id');
      expect(err.code).toBe('invalid_input');
    });
  });

  describe('git_repo', () => {
    it.each([
      ['', /^git_repo must be an https/],
      ['not a url', /^git_repo must be a URL without spaces/],
      ['ftp://git.example.test/r', /^git_repo scheme "ftp" is not allowed/],
      ['-oProxyCommand=x', /^git_repo must not start with "-"/],
      ['ssh://git:pw@git.example.test/r', /^git_repo must not carry a password/],
      ['https://a:%zz@git.example.test/r', /^git_repo /],
      ['http://git.example.test\\@127.0.0.1/r', /^git_repo /],
    ])('refuses %j', (git_repo, message) => {
      const err = refusal({ git_repo });
      expect(err.field).toBe('git_repo');
      expect(err.message).toMatch(message);
    });

    it('accepts file:// URLs only when allowed', () => {
      expect(refusal({ git_repo: 'file:///srv/git/app.git' }).message).toMatch(/allow_file_urls/);
      expect(validate({ git_repo: 'file:///srv/git/app.git' }, true).spec).toMatchObject({ gitScheme: 'file', gitHost: '', gitRepo: 'file:///srv/git/app.git' });
    });
  });

  describe('git_branch and git_commit', () => {
    it.each(['', '-b', 'a..b', 'a b', 'x.lock', '.hidden', 'a//b', 'end/', 'a@{1}', 'x~1', 'x^', 'x:y', 'x?', 'x*', 'x[', 'x\\y', '@'])(
      'refuses the branch %j',
      (git_branch) => {
        expect(refusal({ git_branch }).field).toBe('git_branch');
      },
    );

    it('accepts branch and tag names git accepts', () => {
      expect(validate({ git_branch: 'feature/a-b_c.d' }).spec.gitBranch).toBe('feature/a-b_c.d');
      expect(validate({ git_branch: 'v1.0.0' }).spec.gitBranch).toBe('v1.0.0');
    });

    it.each(['abc12', 'xyz1234', 'HEAD', 'main', 'a'.repeat(65)])('refuses the commit %j', (git_commit) => {
      expect(refusal({ git_commit }).field).toBe('git_commit');
    });
  });

  describe('image_tag', () => {
    it.each(['', 'MyApp', 'app:', 'app@sha256:abc', 'my app', '-app', 'a..b', 'team//app', 'app:-x'])('refuses %j', (image_tag) => {
      const err = refusal({ image_tag });
      expect(err.field).toBe('image_tag');
    });

    it('adds the latest tag when there is none', () => {
      expect(validate({ image_tag: 'localhost:5000/app' }).spec.plan.imageTag).toBe('localhost:5000/app:latest');
      expect(validate({ image_tag: 'app:v1' }).spec.plan.imageTag).toBe('app:v1');
    });
  });

  describe('buildpack_type', () => {
    it('accepts "compose" as an alias of docker-compose, with compose_config', () => {
      const { spec } = validate({ buildpack_type: 'compose', compose_config: { service: 'web' } });
      expect(spec.plan.buildpackType).toBe('docker-compose');
      expect(spec.plan.compose).toEqual({ service: 'web' });
    });

    it.each(['nixpacks', 'static', 'dockerfile', 'docker-compose'] as const)('accepts %s', (buildpack_type) => {
      expect(validate({ buildpack_type }).spec.plan.buildpackType).toBe(buildpack_type);
    });

    it.each(['', 'heroku', 'Dockerfile', 'docker_compose'])('refuses %j', (type) => {
      const err = refusal({ buildpack_type: type as BuildRequest['buildpack_type'] });
      expect(err.field).toBe('buildpack_type');
    });

    it.each([
      ['dockerfile', { static_config: {} }, 'static_config'],
      ['static', { dockerfile_config: {} }, 'dockerfile_config'],
      ['nixpacks', { compose_config: {} }, 'compose_config'],
      ['compose', { nixpacks_config: {} }, 'nixpacks_config'],
      ['docker-compose', { dockerfile_config: { target: 'x' } }, 'dockerfile_config'],
    ] as const)('refuses a %s build given %j', (buildpack_type, config, field) => {
      const err = refusal({ buildpack_type, ...config });
      expect(err.field).toBe(field);
      expect(err.message).toContain(`"${buildpack_type}"`);
    });
  });

  describe('paths inside the repository', () => {
    const cases: Array<[string, (value: string) => Partial<BuildRequest>]> = [
      ['base_directory', (v) => ({ base_directory: v })],
      ['dockerfile_config.dockerfile_path', (v) => ({ dockerfile_config: { dockerfile_path: v } })],
      ['static_config.output_dir', (v) => ({ buildpack_type: 'static', static_config: { output_dir: v } })],
      ['compose_config.compose_file', (v) => ({ buildpack_type: 'docker-compose', compose_config: { compose_file: v } })],
    ];
    const outside = ['/etc', '/', '..', '../x', 'a/../../x', './../x', 'a/b/../../..', 'a\\..\\..\\x', 'a\0b', `${'a/'.repeat(600)}x`];

    describe.each(cases)('%s', (field, request) => {
      it.each(outside)('refuses %j', (value) => {
        expect(refusal(request(value)).field).toBe(field);
      });
    });

    it('normalises paths and lets the context paths name the root', () => {
      expect(validate({ base_directory: './apps//web/' }).spec.baseDirectory).toBe('apps/web');
      expect(validate({ base_directory: 'apps/web/../api' }).spec.baseDirectory).toBe('apps/api');
      expect(validate({ base_directory: '.' }).spec.baseDirectory).toBe('');
      expect(validate({ base_directory: '' }).spec.baseDirectory).toBe('');
      expect(validate({ base_directory: '..hidden' }).spec.baseDirectory).toBe('..hidden');
      expect(validate({ buildpack_type: 'static', static_config: { output_dir: './' } }).spec.plan.static).toEqual({ outputDir: '' });
    });

    it.each(['', '.', './', 'a/..'])('wants the Dockerfile and compose file paths to name a file, not %j', (value) => {
      expect(refusal({ dockerfile_config: { dockerfile_path: value } }).field).toBe('dockerfile_config.dockerfile_path');
      expect(refusal({ buildpack_type: 'compose', compose_config: { compose_file: value } }).field).toBe('compose_config.compose_file');
    });
  });

  describe('names, commands and variables', () => {
    it.each(['-x', 'a b', 'stage:1', '', 'x'.repeat(129)])('refuses the target %j', (target) => {
      expect(refusal({ dockerfile_config: { target } }).field).toBe('dockerfile_config.target');
    });

    it.each(['-web', 'web app', 'web/1', ''])('refuses the compose service %j', (service) => {
      expect(refusal({ buildpack_type: 'docker-compose', compose_config: { service } }).field).toBe('compose_config.service');
    });

    it.each([
      ['nixpacks', 'nixpacks_config', 'start_command'],
      ['nixpacks', 'nixpacks_config', 'build_command'],
      ['nixpacks', 'nixpacks_config', 'install_command'],
      ['static', 'static_config', 'build_command'],
      ['static', 'static_config', 'install_command'],
    ] as const)('refuses empty, multi-line and oversized %s commands in %s.%s', (buildpack_type, config, key) => {
      for (const command of ['', '   ', 'npm ci\nrm -rf /', 'a\rb', 'a\0b', 'x'.repeat(4097)]) {
        expect(refusal({ buildpack_type, [config]: { [key]: command } }).field).toBe(`${config}.${key}`);
      }
    });

    it('accepts a command of exactly 4096 characters', () => {
      const command = 'x'.repeat(4096);
      expect(validate({ buildpack_type: 'nixpacks', nixpacks_config: { start_command: command } }).spec.plan.nixpacks?.startCommand).toBe(command);
    });

    it.each([
      ['env', (vars: Record<string, string>) => ({ env: vars })],
      ['dockerfile_config.build_args', (vars: Record<string, string>) => ({ dockerfile_config: { build_args: vars } })],
      ['nixpacks_config.variables', (vars: Record<string, string>) => ({ buildpack_type: 'nixpacks' as const, nixpacks_config: { variables: vars } })],
    ])('checks the names and values of %s', (field, request) => {
      for (const name of ['1A', 'A-B', 'A B', '', 'A=B', 'é']) {
        expect(refusal(request({ [name]: 'v' })).field).toBe(`${field}.${name}`);
      }
      for (const value of ['a\nb', 'a\rb', 'a\0b']) expect(refusal(request({ GOOD: value })).field).toBe(`${field}.GOOD`);
      expect(() => validate(request({ _A1: 'a b = "c" $d', lower_case: '' }))).not.toThrow();
    });
  });

  describe('credentials', () => {
    it('moves URL credentials to the secrets and out of the stored spec', () => {
      const { spec, secrets } = validate({ git_repo: 'https://alice:hunter2@git.example.test/team/app.git' });
      expect(secrets).toEqual({ git: { username: 'alice', token: 'hunter2' } });
      expect(spec.gitRepo).toBe('https://git.example.test/team/app.git');
      expect(JSON.stringify(spec)).not.toMatch(/hunter2|alice/);
    });

    it('takes a lone URL user name as a token', () => {
      const { spec, secrets } = validate({ git_repo: 'https://ghp_abc123@git.example.test/app.git' });
      expect(secrets).toEqual({ git: { token: 'ghp_abc123' } });
      expect(JSON.stringify(spec)).not.toContain('ghp_abc123');
    });

    it('keeps request credentials apart from the spec, preferring them to URL ones', () => {
      const { spec, secrets } = validate({
        git_repo: 'https://url-user:url-pass@git.example.test/app.git',
        git_credentials: { username: 'bot', token: 'tok-123' },
      });
      expect(secrets).toEqual({ git: { username: 'bot', token: 'tok-123' } });
      expect(JSON.stringify(spec)).not.toMatch(/tok-123|url-pass|url-user/);
    });

    it('accepts deploy keys in OpenSSH and PEM form', () => {
      const { spec, secrets } = validate({ git_repo: 'git@git.example.test:app.git', git_credentials: { ssh_key: SSH_KEY } });
      expect(secrets).toEqual({ git: { sshKey: SSH_KEY } });
      expect(JSON.stringify(spec)).not.toContain('OPENSSH');
      const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----';
      expect(validate({ git_credentials: { ssh_key: pem } }).secrets).toEqual({ git: { sshKey: pem } });
    });

    it.each(['ssh-ed25519 AAAAC3Nz public@key', 'not a key', ''])('refuses the ssh_key %j', (ssh_key) => {
      expect(refusal({ git_credentials: { ssh_key } }).field).toBe('git_credentials.ssh_key');
    });

    it('gives no secrets for empty credentials', () => {
      expect(validate({ git_credentials: {} })).not.toHaveProperty('secrets');
      expect(validate({ git_credentials: { username: '', token: '' } })).not.toHaveProperty('secrets');
    });
  });

  it('takes network default or none, and refuses anything else naming the field and the choices', () => {
    expect(validate({ network: 'default' }).spec.network).toBe('default');
    expect(validate({ network: 'none' }).spec.network).toBe('none');
    for (const network of ['host', 'None', '', 'bridge', 1, null] as unknown[]) {
      const err = refusal({ network: network as string });
      expect(err.field).toBe('network');
      expect(err.message).toBe('network must be one of default, none');
    }
  });

  it('raises only ValidationErrors with code invalid_input', () => {
    const err = refusal({ image_tag: 'BAD' });
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('invalid_input');
  });
});

describe('relativePath', () => {
  it.each([
    ['a/b', 'a/b'],
    ['./a/./b/', 'a/b'],
    ['a/../b', 'b'],
    ['a//b', 'a/b'],
    ['.', ''],
    ['', ''],
    ['...', '...'],
    ['.well-known/x', '.well-known/x'],
  ])('%j → %j', (value, expected) => {
    expect(relativePath(value, 'f')).toBe(expected);
  });

  it('names the field, and refuses the root when a file is wanted', () => {
    expect(() => relativePath('../x', 'my.field')).toThrow(expect.objectContaining({ field: 'my.field' }));
    expect(() => relativePath('.', 'my.field', false)).toThrow(/must name a file/);
  });
});
