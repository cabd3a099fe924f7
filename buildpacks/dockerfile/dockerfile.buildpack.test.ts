import type { PlanRequest } from '../plan';
import { PlanError } from '../plan';
import { MemoryWorkspace } from '../testing/memory-workspace';
import { testSettings } from '../testing/settings';
import { dockerfileBuildpack } from './dockerfile.buildpack';

const repository = new MemoryWorkspace({
  Dockerfile: 'FROM node:20-alpine\nARG NODE_ENV\nCOPY . .\nCMD ["node","index.js"]\n',
  'docker/prod.Dockerfile': 'FROM node:20-alpine AS base\nFROM base AS prod\n',
  'index.js': 'console.log(1)',
});

function request(overrides: Partial<PlanRequest> = {}): PlanRequest {
  return { buildpackType: 'dockerfile', imageTag: 'myapp:1', env: {}, ...overrides };
}

describe('dockerfileBuildpack', () => {
  it('builds ./Dockerfile with the repository root as context', () => {
    expect(dockerfileBuildpack(repository, request(), testSettings())).toEqual({
      buildpack: 'dockerfile',
      summary: ['dockerfile: Dockerfile', 'build args: (none)'],
      details: { dockerfile: 'Dockerfile', target: null, buildArgs: [] },
      images: [{ tag: 'myapp:1', context: '', dockerfile: 'Dockerfile', files: {}, buildArgs: {} }],
    });
  });

  it('passes the path, target, build args and env (build args win on a clash)', () => {
    const plan = dockerfileBuildpack(
      repository,
      request({
        env: { NODE_ENV: 'production', API_URL: 'https://api' },
        dockerfile: { dockerfilePath: './docker/prod.Dockerfile', buildArgs: { NODE_ENV: 'staging', NPM_TOKEN: 't' }, target: 'prod' },
      }),
      testSettings(),
    );
    expect(plan.images).toEqual([
      {
        tag: 'myapp:1',
        context: '',
        dockerfile: 'docker/prod.Dockerfile',
        files: {},
        buildArgs: { NODE_ENV: 'staging', API_URL: 'https://api', NPM_TOKEN: 't' },
        target: 'prod',
      },
    ]);
    expect(plan.summary).toEqual(['dockerfile: docker/prod.Dockerfile (target prod)', 'build args: API_URL, NODE_ENV, NPM_TOKEN']);
    expect(plan.details).toEqual({
      dockerfile: 'docker/prod.Dockerfile',
      target: 'prod',
      buildArgs: ['API_URL', 'NODE_ENV', 'NPM_TOKEN'],
    });
  });

  it('refuses a missing Dockerfile', () => {
    const empty = new MemoryWorkspace({ 'index.js': '' });
    expect(() => dockerfileBuildpack(empty, request(), testSettings())).toThrow(
      new PlanError('No Dockerfile at "Dockerfile" in the repository', 'invalid_repository', 'dockerfile.dockerfilePath'),
    );
    expect(() => dockerfileBuildpack(repository, request({ dockerfile: { dockerfilePath: 'docker' } }), testSettings())).toThrow(
      expect.objectContaining({ field: 'dockerfile.dockerfilePath' }),
    );
  });

  it.each(['../Dockerfile', '/etc/Dockerfile', '.'])('refuses the path %j', (dockerfilePath) => {
    expect(() => dockerfileBuildpack(repository, request({ dockerfile: { dockerfilePath } }), testSettings())).toThrow(
      expect.objectContaining({ code: 'invalid_repository', field: 'dockerfile.dockerfilePath' }),
    );
  });
});
