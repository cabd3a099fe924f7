import { planErrorOf as errorOf } from '../testing/plan-error';
import { PlanError } from '../plan';
import { MemoryWorkspace } from '../testing/memory-workspace';
import { DEFAULT_COMPOSE_FILES, parseComposeFile, readComposeFile } from './compose-file';

const WEB = 'services:\n  web:\n    build: .\n';

function read(files: Record<string, string>, composeFile?: string) {
  return readComposeFile(new MemoryWorkspace(files), composeFile);
}

/** The PlanError a call throws, so several of its fields can be checked. */

describe('readComposeFile: locating the file', () => {
  it.each(DEFAULT_COMPOSE_FILES)('finds %s by default', (name) => {
    expect(read({ [name]: WEB })).toMatchObject({ path: name, dir: '', services: { web: { build: '.' } } });
  });

  it("prefers Compose's own order: compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml", () => {
    const all = Object.fromEntries(DEFAULT_COMPOSE_FILES.map((name) => [name, WEB]));
    expect(DEFAULT_COMPOSE_FILES).toEqual(['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml']);
    expect(read(all).path).toBe('compose.yaml');
    expect(read({ 'docker-compose.yml': WEB, 'compose.yml': WEB }).path).toBe('compose.yml');
    expect(read({ 'docker-compose.yaml': WEB, 'docker-compose.yml': WEB }).path).toBe('docker-compose.yml');
  });

  it('reads the compose_file asked for, normalised, with its folder as the base of relative paths', () => {
    expect(read({ 'deploy/prod.yml': WEB, 'compose.yaml': WEB }, './deploy//prod.yml')).toMatchObject({ path: 'deploy/prod.yml', dir: 'deploy' });
  });

  it('refuses a missing default file, listing the names looked for', () => {
    expect(() => read({ Dockerfile: '' })).toThrow(
      new PlanError(
        'No compose file in the repository; looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml',
        'invalid_repository',
        'compose.composeFile',
      ),
    );
  });

  it.each(['missing.yml', 'deploy', '.', '', '../compose.yaml', '/etc/compose.yaml', '~/compose.yaml'])('refuses the compose_file %j', (composeFile) => {
    const files = { 'compose.yaml': WEB, 'deploy/compose.yaml': WEB };
    expect(errorOf(() => read(files, composeFile))).toMatchObject({ code: 'invalid_repository', field: 'compose.composeFile' });
  });
});

describe('readComposeFile: parsing', () => {
  it('resolves anchors and merge keys, as Compose does', () => {
    const yaml = 'x-common: &common\n  build: .\n  restart: always\nservices:\n  web:\n    <<: *common\n    ports: ["80:80"]\n';
    expect(read({ 'compose.yaml': yaml }).services.web).toEqual({ build: '.', restart: 'always', ports: ['80:80'] });
  });

  it('keeps the values of Compose tags (!reset, !override) without writing warnings', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const yaml = 'services:\n  web:\n    image: x\n    ports: !reset []\n    privileged: !override true\n';
      expect(read({ 'compose.yaml': yaml }).services.web).toEqual({ image: 'x', ports: [], privileged: 'true' });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('takes a service with nothing under it as an empty service', () => {
    expect(read({ 'compose.yaml': 'services:\n  cache:\n  web:\n    build: .\n' }).services).toEqual({ cache: {}, web: { build: '.' } });
  });

  it.each([
    ['an unclosed flow sequence', 'services:\n  web:\n    ports: [80\n', 'compose.yaml is not valid YAML: '],
    ['tabs as indentation', 'services:\n\tweb: {}\n', 'compose.yaml is not valid YAML: Tabs are not allowed'],
    ['a duplicate key', 'services:\n  web: {}\n  web: {}\n', 'compose.yaml is not valid YAML: Map keys must be unique'],
    ['several documents', 'services: {}\n---\nservices: {}\n', 'compose.yaml is not valid YAML: Source contains multiple documents'],
    ['an undefined alias', 'services:\n  web: *nothing\n', 'compose.yaml is not valid YAML: '],
  ])('refuses %s with a one-line message', (_, yaml, message) => {
    const error = errorOf(() => read({ 'compose.yaml': yaml }));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'compose.composeFile' });
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [name, previous] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
    ]) {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    lines.push('services:\n  web: {}');
    expect(errorOf(() => read({ 'compose.yaml': lines.join('\n') })).message).toMatch(/^compose\.yaml is not valid YAML: /);
  });

  it.each([
    ['an empty file', '', 'compose.yaml must be a YAML mapping'],
    ['a list', '- web\n', 'compose.yaml must be a YAML mapping'],
    ['a scalar', 'hello', 'compose.yaml must be a YAML mapping'],
    ['no services', 'volumes:\n  data: {}\n', 'compose.yaml has no services mapping'],
    ['an empty services key', 'services:\n', 'compose.yaml has no services mapping'],
    ['a list of services', 'services:\n  - web\n', 'compose.yaml has no services mapping'],
  ])('refuses %s', (_, yaml, message) => {
    expect(errorOf(() => read({ 'compose.yaml': yaml })).message).toBe(message);
  });

  it.each([
    ['_web', 'services._web'],
    ['-web', 'services.-web'],
    ['web app', 'services."web app"'],
    ['web\nrun', 'services."web\\nrun"'],
    ['__proto__', 'services.__proto__'],
  ])('refuses the service name %j', (name, field) => {
    const yaml = `services:\n  ${JSON.stringify(name)}:\n    image: x\n`;
    const error = errorOf(() => read({ 'compose.yaml': yaml }));
    expect(error).toMatchObject({ code: 'invalid_repository', field });
    expect(error.message).toBe(`compose.yaml: ${JSON.stringify(name)} is not a valid service name`);
  });

  it('refuses a service that is not a mapping', () => {
    expect(() => read({ 'compose.yaml': 'services:\n  web: nginx\n' })).toThrow(
      new PlanError('compose.yaml: services.web must be a mapping', 'invalid_repository', 'services.web'),
    );
  });
});

describe('parseComposeFile', () => {
  it('lets included files hold no services', () => {
    const workspace = new MemoryWorkspace({ 'infra/networks.yml': 'networks:\n  back: {}\n' });
    expect(parseComposeFile(workspace, 'infra/networks.yml', false)).toEqual({
      path: 'infra/networks.yml',
      dir: 'infra',
      root: { networks: { back: {} } },
      services: {},
    });
    expect(() => parseComposeFile(workspace, 'infra/networks.yml', true)).toThrow('has no services mapping');
  });
});
