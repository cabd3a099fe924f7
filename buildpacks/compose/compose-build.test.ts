import { planErrorOf as errorOf } from '../testing/plan-error';
import { MemoryWorkspace } from '../testing/memory-workspace';
import { assertBuildInsideRepository, readServiceBuild } from './compose-build';
import type { ComposeFile } from './compose-file';
import { readComposeFile } from './compose-file';

const repository: Record<string, string> = {
  Dockerfile: 'FROM node:20',
  'api/Dockerfile': 'FROM node:20',
  'api/docker/prod.Dockerfile': 'FROM node:20',
  'deploy/web/Dockerfile': 'FROM nginx',
};

/** Reads the `build:` section of service `web`, written as YAML under `build:`. */
function buildOf(section: string, composePath = 'compose.yaml', files: Record<string, string> = repository) {
  const workspace = new MemoryWorkspace({ ...files, [composePath]: `services:\n  web:\n    build: ${section}\n` });
  return readServiceBuild(workspace, readComposeFile(workspace, composePath), 'web');
}

describe('readServiceBuild', () => {
  it('reads the string form as the context with its Dockerfile', () => {
    expect(buildOf('.')).toEqual({ context: '', dockerfile: 'Dockerfile', args: {}, ignored: [] });
    expect(buildOf('./api/')).toEqual({ context: 'api', dockerfile: 'Dockerfile', args: {}, ignored: [] });
  });

  it('reads the object form: context, dockerfile, args and target', () => {
    const section = [
      '',
      '      context: api',
      '      dockerfile: docker/prod.Dockerfile',
      '      target: runtime',
      '      args:',
      '        NODE_ENV: production',
      '        PORT: 8080',
      '        DEBUG: false',
    ].join('\n');
    expect(buildOf(section)).toEqual({
      context: 'api',
      dockerfile: 'docker/prod.Dockerfile',
      args: { NODE_ENV: 'production', PORT: '8080', DEBUG: 'false' },
      target: 'runtime',
      ignored: [],
    });
  });

  it('defaults the context to the compose file folder and the Dockerfile to Dockerfile', () => {
    expect(buildOf('\n      args: {}')).toMatchObject({ context: '', dockerfile: 'Dockerfile' });
    expect(buildOf('{}', 'deploy/web/compose.yaml')).toMatchObject({ context: 'deploy/web', dockerfile: 'Dockerfile' });
  });

  it('resolves paths against the folder of the compose file, which may climb to the repository root', () => {
    expect(buildOf('../../api', 'deploy/web/compose.yaml')).toMatchObject({ context: 'api', dockerfile: 'Dockerfile' });
    expect(buildOf('\n      context: ../..\n      dockerfile: api/Dockerfile', 'deploy/web/compose.yaml')).toMatchObject({
      context: '',
      dockerfile: 'api/Dockerfile',
    });
  });

  it('reads args as a list of NAME=value, skipping names without a value (they come from the env)', () => {
    expect(buildOf('\n      context: .\n      args:\n        - A=1\n        - B=x=y\n        - C=\n        - FROM_ENV').args).toEqual({
      A: '1',
      B: 'x=y',
      C: '',
    });
    expect(buildOf('\n      context: .\n      args:\n        A:\n        B: ~\n        C: ""').args).toEqual({ C: '' });
  });

  it('lists the build keys it does not apply', () => {
    const section = '\n      context: .\n      cache_from: [app:cache]\n      labels: {a: b}\n      "odd\\nkey": 1';
    expect(buildOf(section).ignored).toEqual(['services.web.build.cache_from', 'services.web.build.labels', 'services.web.build."odd\\nkey"']);
  });

  it.each([
    ['../outside', 'services.web.build.context', 'points outside the repository'],
    ['/etc', 'services.web.build.context', 'must be relative to the repository'],
    ['~/src', 'services.web.build.context', 'must be relative to the repository'],
    ['C:\\src', 'services.web.build.context', 'must be relative to the repository'],
    ['https://github.com/acme/app.git#main', 'services.web.build.context', 'remote build contexts are not supported'],
    ['git@github.com:acme/app.git', 'services.web.build.context', 'remote build contexts are not supported'],
    ['missing', 'services.web.build.context', '"missing" does not exist in the repository'],
    ['\n      context: [a]', 'services.web.build.context', 'must be a string'],
    ['\n      dockerfile: ../Dockerfile\n      context: api', 'services.web.build.dockerfile', 'must be inside the build context'],
    ['\n      dockerfile: ..\n      context: api', 'services.web.build.dockerfile', 'must be inside the build context'],
    ['\n      dockerfile: .', 'services.web.build.dockerfile', 'must be inside the build context'],
    ['\n      dockerfile: /etc/passwd', 'services.web.build.dockerfile', 'must be relative to the build context'],
    ['\n      dockerfile: ../../../etc/passwd', 'services.web.build.dockerfile', 'points outside the repository'],
    ['\n      dockerfile: Dockerfile.missing', 'services.web.build.dockerfile', 'no Dockerfile at "Dockerfile.missing"'],
    ['\n      context: api\n      dockerfile: docker', 'services.web.build.dockerfile', 'no Dockerfile at "api/docker"'],
    ['\n      dockerfile: 42', 'services.web.build.dockerfile', 'must be a string'],
    ['\n      dockerfile_inline: "FROM alpine"', 'services.web.build.dockerfile_inline', 'is not supported'],
    ['"${CONTEXT:-.}"', 'services.web.build.context', 'uses a variable'],
    ['\n      dockerfile: "docker/$TARGET.Dockerfile"', 'services.web.build.dockerfile', 'uses a variable'],
    ['\n      target: [a]', 'services.web.build.target', 'must be a build stage name'],
    ['\n      target: "a b"', 'services.web.build.target', 'must be a build stage name'],
    ['\n      target: "prod\\nRUN id"', 'services.web.build.target', 'must be a build stage name'],
    ['\n      args: "A=1"', 'services.web.build.args', 'must be a mapping or a list'],
    ['\n      args: [1]', 'services.web.build.args', 'entries must be strings like NAME=value'],
    ['\n      args: {A: [1]}', 'services.web.build.args.A', 'must be a string'],
    ['[.]', 'services.web.build', 'must be a path or a mapping'],
    ['42', 'services.web.build', 'must be a path or a mapping'],
  ])('refuses build: %j', (section, field, message) => {
    const error = errorOf(() => buildOf(section));
    expect(error).toMatchObject({ code: 'invalid_repository', field });
    expect(error.message).toContain(message);
  });
});

describe('assertBuildInsideRepository', () => {
  function compose(build: string): ComposeFile {
    const workspace = new MemoryWorkspace({ 'compose.yaml': `services:\n  worker:\n    build: ${build}\n` });
    return readComposeFile(workspace, undefined);
  }

  it('accepts paths inside the repository whether or not they exist, remote contexts and services without build', () => {
    for (const build of ['./not-cloned', '{context: x, dockerfile: y/Dockerfile}', 'https://github.com/a/b.git', 'null', '{dockerfile: 1}']) {
      expect(() => assertBuildInsideRepository(compose(build), 'worker')).not.toThrow();
    }
    expect(() => assertBuildInsideRepository(compose('.'), 'other')).not.toThrow();
  });

  it.each([
    ['../sibling', 'services.worker.build.context'],
    ['/srv/app', 'services.worker.build.context'],
    ['{context: "~/app"}', 'services.worker.build.context'],
    ['{context: api, dockerfile: ../Dockerfile}', 'services.worker.build.dockerfile'],
    ['{dockerfile: /etc/shadow}', 'services.worker.build.dockerfile'],
    ['"${CTX:-/}"', 'services.worker.build.context'],
    ['{context: ./app, dockerfile: "${DOCKERFILE}"}', 'services.worker.build.dockerfile'],
  ])('refuses build: %s', (build, field) => {
    expect(errorOf(() => assertBuildInsideRepository(compose(build), 'worker'))).toMatchObject({ code: 'invalid_repository', field });
  });
});
