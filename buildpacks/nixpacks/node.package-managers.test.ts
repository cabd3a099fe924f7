import type { BuildpackSettings, PlanRequest } from '../plan';
import { planErrorOf } from '../testing/plan-error';
import { testSettings } from '../testing/settings';
import { planNixpacks } from '../testing/nixpacks-plan';

const BUN_SETTINGS: BuildpackSettings = { ...testSettings(), images: { ...testSettings().images, bun: 'oven/bun:1' } };

const plan = (files: Record<string, string>, settings: BuildpackSettings = testSettings(), nixpacks?: PlanRequest['nixpacks']) =>
  planNixpacks(files, { settings, nixpacks });

const dockerfile = (result: ReturnType<typeof plan>): string => result.images[0]?.files['.berth/Dockerfile'] ?? '';
const pkg = (manifest: object): string => JSON.stringify({ name: 'app', ...manifest });

describe('nixpacks node: the package manager in the plan', () => {
  it('follows packageManager over the lockfile, installs that exact version and says so', () => {
    const result = plan({ 'package.json': pkg({ packageManager: 'pnpm@8.15.1', scripts: { start: 'node server.js' } }), 'package-lock.json': '{}', 'server.js': '' });
    expect(result.details).toMatchObject({
      packageManager: 'pnpm',
      packageManagerVersion: '8.15.1',
      packageManagerSource: 'package.json packageManager "pnpm@8.15.1"',
      packageManagerInstall: 'pnpm@8.15.1',
      phases: { install: ['pnpm install --no-frozen-lockfile'] },
      start: 'pnpm run start',
    });
    expect(result.summary).toContain('package manager: pnpm 8.15.1 (package.json packageManager "pnpm@8.15.1"), installed from the npm registry as pnpm@8.15.1');
    expect(dockerfile(result)).toContain('RUN ["sh","-c","npm install --global --prefix /opt/berth-tools --no-audit --no-fund pnpm@8.15.1"]');
  });

  it("keeps the berry cache in /app, where Plug'n'Play finds it at run time, and shows the default", () => {
    const result = plan({
      'package.json': pkg({ packageManager: 'yarn@4.1.0', scripts: { start: 'node server.js' } }),
      'yarn.lock': '__metadata:\n  version: 8\n',
      'server.js': '',
    });
    expect(result.details).toMatchObject({ variables: { YARN_ENABLE_GLOBAL_CACHE: 'false' }, yarnFlavour: 'berry', start: 'yarn run start' });
    expect(result.summary.find((line) => line.startsWith('variables:'))).toContain('YARN_ENABLE_GLOBAL_CACHE=false (default)');
    const [, final] = dockerfile(result).split(/\n(?=FROM )/);
    expect(final).toContain('ENV YARN_ENABLE_GLOBAL_CACHE="false"');
  });

  it('accepts pnpm and yarn in a start command once the plan installs them, and still refuses bun', () => {
    const files = { 'package.json': pkg({ scripts: { start: 'node server.js' } }), 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n", 'server.js': '' };
    expect(plan(files, testSettings(), { startCommand: 'pnpm start' }).details).toMatchObject({ start: 'pnpm start', warnings: [] });
    expect(plan(files, testSettings(), { startCommand: 'pnpx serve' }).details.warnings).toEqual([]);
    expect(planErrorOf(() => plan(files, testSettings(), { startCommand: 'bun server.js' })).message).toContain('runs bun, which the image does not have');
    const yarnFiles = { 'package.json': pkg({ scripts: { start: 'node server.js' } }), 'yarn.lock': '', 'server.js': '' };
    expect(plan(yarnFiles, testSettings(), { startCommand: 'yarn start' }).details.warnings).toEqual([]);
  });

  it('checks the start script behind "pnpm run start" as it checks npm start', () => {
    const files = { 'package.json': pkg({ scripts: { start: 'node app.js' } }), 'pnpm-lock.yaml': '' };
    expect(planErrorOf(() => plan(files)).message).toBe(
      'nixpacks: the start command "pnpm run start" (package.json start script "node app.js") runs app.js, which is not in the repository: ' +
        'set nixpacks.startCommand, or add app.js',
    );
  });

  it('refuses a packageManager without an exact version at plan time', () => {
    const error = planErrorOf(() => plan({ 'package.json': pkg({ packageManager: 'yarn@berry' }), 'index.js': '' }));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'package.json packageManager' });
  });
});

describe('nixpacks node: bun projects', () => {
  it.each([
    [{ 'bun.lockb': 'bin' }, undefined, 'bun.lockb'],
    [{ 'bun.lock': '{}' }, undefined, 'bun.lock'],
    [{ 'package-lock.json': '{}' }, 'bun@1.1.0', 'package.json packageManager "bun@1.1.0"'],
  ])('refuses %j (packageManager %s) at plan time without [buildpacks] bun_image, never falling back to npm', (files, packageManager, source) => {
    const manifest = pkg({ scripts: { start: 'bun server.ts' }, ...(packageManager !== undefined ? { packageManager } : {}) });
    const error = planErrorOf(() => plan({ 'package.json': manifest, ...files }));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'buildpacks.bun_image' });
    expect(error.message).toBe(
      `nixpacks: this is a bun project (${source}) and no bun image is configured: ` +
        'set [buildpacks] bun_image to an image with bun (e.g. "oven/bun:1"), or build it with another package manager and its lockfile',
    );
  });

  it('installs, builds and starts with bun on the bun image', () => {
    const result = plan({ 'package.json': pkg({ scripts: { build: 'bun build.ts', start: 'bun server.ts' } }), 'bun.lockb': 'bin' }, BUN_SETTINGS);
    expect(result.details).toMatchObject({
      image: 'oven/bun:1',
      bun: { image: 'oven/bun:1', imageKey: 'bun_image' },
      packageManager: 'bun',
      phases: { install: ['bun install --frozen-lockfile'], build: ['bun run build'] },
      start: 'bun run start',
      warnings: [],
    });
    expect(result.summary.slice(0, 4)).toEqual([
      'nixpacks: detected node (bun)',
      'image: oven/bun:1',
      'bun: on oven/bun:1 (bun_image)',
      "package manager: bun (bun.lockb), the bun image's",
    ]);
    const text = dockerfile(result);
    expect(text).toMatch(/^FROM oven\/bun:1 AS build\n/);
    expect(text).not.toMatch(/npm|node_image/);
  });

  it.each([
    [{ 'package.json': pkg({ main: 'src/app.ts' }), 'src/app.ts': '' }, 'bun src/app.ts'],
    [{ 'package.json': pkg({}), 'index.js': '' }, 'bun index.js'],
    [{ 'package.json': pkg({}), 'index.ts': '' }, 'bun index.ts'],
  ])('starts without a start script as Nixpacks does: %j', (files, start) => {
    expect(plan({ ...files, 'bun.lock': '{}' }, BUN_SETTINGS).details).toMatchObject({ start, phases: { install: ['bun install --frozen-lockfile'] } });
  });

  it('skips the Node version check: the bun image runs the app', () => {
    const result = plan({ 'package.json': pkg({ engines: { node: '>=99' } }), 'index.ts': '', 'bun.lock': '{}' }, BUN_SETTINGS);
    expect(result.details).toMatchObject({ start: 'bun index.ts' });
    expect(result.details.node).toBeUndefined();
  });
});
