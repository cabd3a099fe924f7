import type { PlanRequest } from '../plan';
import type { NixpacksConfig } from './nixpacks-config';
import { resolvePhases } from './nixpacks-phases';
import type { DetectedPlan } from './provider';

const detected: DetectedPlan = { image: 'node:20-alpine', install: ['npm ci'], build: ['npm run build'], start: 'npm start', facts: {} };

function config(overrides: Partial<NixpacksConfig> = {}): NixpacksConfig {
  return { variables: {}, setup: { nixPkgs: [], aptPkgs: [], nixLibs: [] }, ignored: [], ...overrides };
}

function request(nixpacks?: PlanRequest['nixpacks'], env: Record<string, string> = {}): PlanRequest {
  return { buildpackType: 'nixpacks', imageTag: 'app:latest', env, ...(nixpacks ? { nixpacks } : {}) };
}

describe('resolvePhases', () => {
  it('keeps the detected phases when nothing overrides them', () => {
    expect(resolvePhases(detected, config(), request(), undefined)).toEqual({
      install: ['npm ci'],
      build: ['npm run build'],
      start: 'npm start',
      sources: { install: 'detected', build: 'detected', start: 'detected' },
      variables: {},
      buildEnv: {},
      ignoredVariables: [],
    });
  });

  it('replaces `...` in config commands by the detected commands, wherever it stands', () => {
    const file = config({ file: 'nixpacks.toml', install: ['apk add git', '...', 'npm run postinstall'], build: ['...', '...'] });
    const phases = resolvePhases(detected, file, request(), undefined);
    expect(phases.install).toEqual(['apk add git', 'npm ci', 'npm run postinstall']);
    expect(phases.build).toEqual(['npm run build', 'npm run build']);
    expect(phases.sources).toEqual({ install: 'nixpacks.toml', build: 'nixpacks.toml', start: 'detected' });
  });

  it('orders overrides: request option, NIXPACKS_*_CMD, config file, detection', () => {
    const file = config({ file: 'nixpacks.json', build: ['from-config'] });
    expect(resolvePhases(detected, file, request(), undefined).build).toEqual(['from-config']);
    expect(resolvePhases(detected, file, request(undefined, { NIXPACKS_BUILD_CMD: 'from-env' }), undefined).build).toEqual(['from-env']);
    const variable = request({ variables: { NIXPACKS_BUILD_CMD: 'from-variables' } }, { NIXPACKS_BUILD_CMD: 'from-env' });
    expect(resolvePhases(detected, file, variable, undefined).build).toEqual(['from-variables']);
    const option = request({ buildCommand: '  from-option  ', variables: { NIXPACKS_BUILD_CMD: 'v' } });
    expect(resolvePhases(detected, file, option, undefined)).toMatchObject({ build: ['from-option'], sources: { build: 'nixpacks.buildCommand' } });
  });

  it('takes NIXPACKS_*_CMD from the config file [variables] too', () => {
    const file = config({ file: 'nixpacks.toml', variables: { NIXPACKS_INSTALL_CMD: 'pnpm i', NIXPACKS_START_CMD: 'node a.js' } });
    const phases = resolvePhases(detected, file, request(), undefined);
    expect(phases).toMatchObject({ install: ['pnpm i'], start: 'node a.js', variables: {} });
    expect(phases.sources).toEqual({ install: 'NIXPACKS_INSTALL_CMD', build: 'detected', start: 'NIXPACKS_START_CMD' });
  });

  it('orders start commands: request, NIXPACKS_START_CMD, config, Procfile, detection; blank ones do not count', () => {
    const file = config({ file: 'nixpacks.toml', start: 'node toml.js' });
    expect(resolvePhases(detected, config(), request(), 'node proc.js').start).toBe('node proc.js');
    expect(resolvePhases(detected, file, request(), 'node proc.js').start).toBe('node toml.js');
    expect(resolvePhases(detected, config({ start: '   ' }), request(), 'node proc.js').start).toBe('node proc.js');
    expect(resolvePhases(detected, file, request(undefined, { NIXPACKS_START_CMD: ' ' }), undefined).start).toBe('node toml.js');
    expect(resolvePhases(detected, file, request({ startCommand: 'node req.js' }), 'node proc.js').start).toBe('node req.js');
  });

  it('has no start command when nothing gives one', () => {
    const { start: _start, ...withoutStart } = detected;
    const phases = resolvePhases(withoutStart, config(), request(), undefined);
    expect(phases.start).toBeUndefined();
    expect(phases.sources.start).toBe('none');
  });

  it('takes an empty command override as "no command in this phase"', () => {
    const phases = resolvePhases(detected, config(), request({ installCommand: '' }, { NIXPACKS_BUILD_CMD: '  ' }), undefined);
    expect(phases).toMatchObject({ install: [], build: [], sources: { install: 'nixpacks.installCommand', build: 'NIXPACKS_BUILD_CMD' } });
  });

  it('ignores config commands when there is no config file', () => {
    expect(resolvePhases(detected, config({ build: ['x'] }), request(), undefined).build).toEqual(['npm run build']);
  });

  it('keeps env apart from the variables, and lists unknown NIXPACKS_* ones (NIXPACKS_NODE_VERSION is read)', () => {
    const file = config({ file: 'nixpacks.toml', variables: { A: 'config', B: 'config', NIXPACKS_PKGS: 'ffmpeg' } });
    const phases = resolvePhases(detected, file, request({ variables: { B: 'request', NIXPACKS_NODE_VERSION: '22' } }, { A: 'env', NIXPACKS_START_CMD: 'x' }), undefined);
    // The image's variables: the config file's and nixpacks.variables, never env.
    expect(phases.variables).toEqual({ A: 'config', B: 'request' });
    // The build's secret env: nixpacks.variables wins on a clash; NIXPACKS_* steer the planner.
    expect(phases.buildEnv).toEqual({ A: 'env' });
    expect(phases.ignoredVariables).toEqual(['NIXPACKS_PKGS']);
    const clash = resolvePhases(detected, file, request({ variables: { A: 'request' } }, { A: 'env', C: 'env' }), undefined);
    expect(clash).toMatchObject({ variables: { A: 'request' }, buildEnv: { C: 'env' } });
  });

  it("puts the provider's default variables below the config file's and nixpacks.variables", () => {
    const withDefaults: DetectedPlan = { ...detected, variables: { NODE_ENV: 'production', CI: 'true', D: 'default' } };
    const file = config({ file: 'nixpacks.toml', variables: { NODE_ENV: 'config', CI: 'config' } });
    const phases = resolvePhases(withDefaults, file, request({ variables: { CI: 'request' } }, { D: 'env' }), undefined);
    expect(phases.variables).toEqual({ NODE_ENV: 'config', CI: 'request', D: 'default' });
    // env overrides a default for the build (an ARG hides the ENV), not in the image.
    expect(phases.buildEnv).toEqual({ D: 'env' });
  });
});
