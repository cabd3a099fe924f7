import { PlanError } from '../plan';
import { MemoryWorkspace } from '../testing/memory-workspace';
import { readNixpacksConfig } from './nixpacks-config';

function read(files: Record<string, string>) {
  return readNixpacksConfig(new MemoryWorkspace(files));
}

describe('readNixpacksConfig', () => {
  it('is empty without a config file', () => {
    expect(read({ 'package.json': '{}' })).toEqual({ variables: {}, setup: { nixPkgs: [], aptPkgs: [], nixLibs: [] }, ignored: [] });
  });

  it('reads variables, setup packages, phase commands and the start command from nixpacks.toml', () => {
    const toml = [
      '[variables]',
      'NODE_ENV = "production"',
      'WORKERS = 4',
      'DEBUG = false',
      '[phases.setup]',
      'nixPkgs = ["...", "ffmpeg", "imagemagick"]',
      'nixLibs = ["zlib"]',
      'aptPkgs = ["...", "curl"]',
      '[phases.install]',
      'cmds = ["...", "npx prisma generate"]',
      '[phases.build]',
      'cmds = []',
      '[start]',
      'cmd = "node dist/main.js"',
    ].join('\n');
    expect(read({ 'nixpacks.toml': toml })).toEqual({
      file: 'nixpacks.toml',
      variables: { NODE_ENV: 'production', WORKERS: '4', DEBUG: 'false' },
      setup: { nixPkgs: ['ffmpeg', 'imagemagick'], aptPkgs: ['curl'], nixLibs: ['zlib'] },
      install: ['...', 'npx prisma generate'],
      build: [],
      start: 'node dist/main.js',
      ignored: [],
    });
  });

  it('reads the same structure from nixpacks.json', () => {
    const json = { variables: { A: '1' }, phases: { setup: { nixPkgs: ['ffmpeg'] }, build: { cmds: ['make'] } }, start: { cmd: 'x' } };
    expect(read({ 'nixpacks.json': JSON.stringify(json) })).toEqual({
      file: 'nixpacks.json',
      variables: { A: '1' },
      setup: { nixPkgs: ['ffmpeg'], aptPkgs: [], nixLibs: [] },
      build: ['make'],
      start: 'x',
      ignored: [],
    });
  });

  it('prefers nixpacks.toml over nixpacks.json', () => {
    expect(read({ 'nixpacks.toml': '', 'nixpacks.json': '{"start":{"cmd":"json"}}' })).toMatchObject({ file: 'nixpacks.toml' });
    expect(read({ 'nixpacks.toml': '' }).start).toBeUndefined();
  });

  it('lists the keys it does not apply instead of dropping them silently', () => {
    const toml = [
      'providers = ["...", "python"]',
      'buildImage = "ghcr.io/railwayapp/nixpacks:latest"',
      '[staticAssets]',
      '"Caddyfile" = "..."',
      '[phases.setup]',
      'nixpkgsArchive = "abc"',
      '[phases.build]',
      'cmds = ["make"]',
      'cacheDirectories = ["/root/.cache"]',
      '[phases.migrate]',
      'cmds = ["npm run migrate"]',
      '[start]',
      'cmd = "x"',
      'runImage = "ubuntu:jammy"',
    ].join('\n');
    expect(read({ 'nixpacks.toml': toml }).ignored).toEqual([
      'buildImage',
      'staticAssets',
      'phases.setup.nixpkgsArchive',
      'phases.build.cacheDirectories',
      'phases.migrate',
      'start.runImage',
    ]);
  });

  it('shows unusual keys quoted, so the summary stays one line per entry', () => {
    expect(read({ 'nixpacks.toml': '"a\\nbuild succeeded" = 1\n[phases."my phase"]\ncmds = []' }).ignored).toEqual(['"a\\nbuild succeeded"', 'phases."my phase"']);
  });

  it.each([
    ['nixpacks.toml', '[variables\nA = 1', /^nixpacks\.toml cannot be parsed: /],
    ['nixpacks.toml', 'a = 1\na = 2', /^nixpacks\.toml cannot be parsed: /],
    ['nixpacks.json', '{"variables": ', /^nixpacks\.json cannot be parsed: /],
  ])('refuses a malformed %s with a one-line reason', (file, text, message) => {
    let error: unknown;
    try {
      read({ [file]: text });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PlanError);
    expect(error).toMatchObject({ code: 'invalid_repository', field: file, message: expect.stringMatching(message) });
    expect((error as Error).message).not.toContain('\n');
  });

  it.each([
    ['[]', 'nixpacks.json: (top level) must be a table'],
    ['{"variables": []}', 'nixpacks.json: variables must be a table'],
    ['{"variables": {"A": {"x": 1}}}', 'nixpacks.json: variables.A must be a string'],
    ['{"variables": {"A": null}}', 'nixpacks.json: variables.A must be a string'],
    ['{"phases": {"build": "make"}}', 'nixpacks.json: phases.build must be a table'],
    ['{"phases": {"build": {"cmds": "make"}}}', 'nixpacks.json: phases.build.cmds must be a list of strings'],
    ['{"phases": {"install": {"cmds": ["a", 1]}}}', 'nixpacks.json: phases.install.cmds must be a list of strings'],
    ['{"phases": {"setup": {"nixPkgs": "ffmpeg"}}}', 'nixpacks.json: phases.setup.nixPkgs must be a list of strings'],
    ['{"start": {"cmd": ["node", "x"]}}', 'nixpacks.json: start.cmd must be a string'],
    ['{"start": "node x"}', 'nixpacks.json: start must be a table'],
  ])('refuses the wrong shape %s', (json, message) => {
    expect(() => read({ 'nixpacks.json': json })).toThrow(new PlanError(message, 'invalid_repository', 'nixpacks.json'));
  });

  it.each(['1A', 'A-B', 'A B', 'A=B', ''])('refuses the variable name %j', (name) => {
    expect(() => read({ 'nixpacks.json': JSON.stringify({ variables: { [name]: 'v' } }) })).toThrow(
      expect.objectContaining({ field: 'nixpacks.json', message: expect.stringContaining(`variables holds ${JSON.stringify(name)}`) }),
    );
  });

  it('refuses a TOML date where a table is expected', () => {
    expect(() => read({ 'nixpacks.toml': 'start = 1979-05-27' })).toThrow('nixpacks.toml: start must be a table');
  });
});
