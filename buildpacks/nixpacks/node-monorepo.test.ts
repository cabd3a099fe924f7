import { MemoryWorkspace } from '../testing/memory-workspace';
import { planErrorOf } from '../testing/plan-error';
import { detectMonorepo } from './node-monorepo';
import { workspacePackages } from './node-workspaces';

const app = (name: string, scripts: Record<string, string>) => JSON.stringify({ name, scripts });
const root = { name: 'repo', workspaces: ['apps/*', 'packages/*'], scripts: { build: 'turbo run build' } };

/** A turborepo as Nixpacks' example: two apps and a library, turbo.json with build and start tasks. */
function turborepo(tasks: Record<string, unknown> = { build: {}, start: {} }, files: Record<string, string> = {}): Record<string, string> {
  return {
    'package.json': JSON.stringify(root),
    'turbo.json': JSON.stringify({ tasks }),
    'apps/web/package.json': app('web', { build: 'node build.js', start: 'node server.js' }),
    'apps/docs/package.json': app('@acme/docs', { build: 'node build.js', start: 'node server.js' }),
    'packages/ui/package.json': app('ui', {}),
    ...files,
  };
}

function detect(files: Record<string, string>, variables: Record<string, string> = {}) {
  const workspace = new MemoryWorkspace(files);
  return detectMonorepo(workspace, JSON.parse(files['package.json'] ?? '{}') as Record<string, unknown>, variables);
}

describe('workspacePackages', () => {
  it('expands package.json workspaces, yarn `packages` and pnpm-workspace.yaml, skipping folders without a package.json', () => {
    const files = turborepo({}, { 'apps/empty/README.md': '', 'node_modules/x/package.json': '{}' });
    const names = (rootManifest: Record<string, unknown>, extra: Record<string, string> = {}) =>
      workspacePackages(new MemoryWorkspace({ ...files, ...extra }), rootManifest).map((pkg) => `${pkg.dir}=${pkg.name}`);
    expect(names(root)).toEqual(['apps/docs=@acme/docs', 'apps/web=web', 'packages/ui=ui']);
    expect(names({ workspaces: { packages: ['apps/web'] } })).toEqual(['apps/web=web']);
    const yaml = 'packages:\n  - \'apps/*\'\n  - "!apps/docs"\nother: x\n  - packages/*\n';
    expect(names({}, { 'pnpm-workspace.yaml': yaml })).toEqual(['apps/docs=@acme/docs', 'apps/web=web']);
    expect(names({ workspaces: ['apps/w*b', 'packages/**', 'apps/d*s*'] })).toEqual(['apps/docs=@acme/docs', 'apps/web=web', 'packages/ui=ui']);
    expect(names({ workspaces: ['../*', '/etc/*', 'apps/x*'] })).toEqual([]);
  });

  it('matches a pattern of many stars against a long folder name without backtracking for ever', () => {
    const long = 'a'.repeat(200);
    const files = { [`apps/${long}/package.json`]: '{"name":"long"}' };
    const patterns = [`apps/${'*a'.repeat(40)}b`, `apps/${'*a'.repeat(40)}`];
    expect(workspacePackages(new MemoryWorkspace(files), { workspaces: patterns })).toEqual([{ dir: `apps/${long}`, name: 'long', manifest: { name: 'long' } }]);
  });
});

describe('detectMonorepo: turborepo, as Nixpacks turborepo.rs', () => {
  it('builds with turbo and starts the app NIXPACKS_TURBO_APP_NAME names, by folder or package name', () => {
    expect(detect(turborepo(), { NIXPACKS_TURBO_APP_NAME: 'web' })).toEqual({
      tool: 'turborepo',
      dir: 'apps/web',
      name: 'web',
      build: 'npx turbo run build',
      start: 'npm --prefix apps/web start',
    });
    expect(detect(turborepo(), { NIXPACKS_TURBO_APP_NAME: 'docs' })).toMatchObject({ dir: 'apps/docs', name: '@acme/docs', start: 'npm --prefix apps/docs start' });
    expect(detect(turborepo(), { NIXPACKS_TURBO_APP_NAME: '@acme/docs' })).toMatchObject({ dir: 'apps/docs' });
  });

  it('builds only the chosen app when turbo.json has no build task, and reads turbo 1 `pipeline`', () => {
    expect(detect(turborepo({ lint: {} }), { NIXPACKS_TURBO_APP_NAME: 'docs' })).toMatchObject({ build: 'npx turbo run build --filter=@acme/docs' });
    const v1 = { ...turborepo(), 'turbo.json': JSON.stringify({ pipeline: { build: {} } }) };
    expect(detect(v1, { NIXPACKS_TURBO_APP_NAME: 'web' })).toMatchObject({ build: 'npx turbo run build' });
  });

  it('refuses an app name that matches no package, listing the packages', () => {
    const error = planErrorOf(() => detect(turborepo(), { NIXPACKS_TURBO_APP_NAME: 'admin' }));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'NIXPACKS_TURBO_APP_NAME' });
    expect(error.message).toBe('nixpacks: NIXPACKS_TURBO_APP_NAME="admin" matches no package of the turborepo\'s workspaces (packages: @acme/docs, web, ui)');
  });

  it("runs turbo's start task without an app name only when one app can start", () => {
    const single = turborepo({ build: {}, start: {} }, { 'apps/docs/package.json': app('@acme/docs', { build: 'x' }) });
    expect(detect(single)).toEqual({ tool: 'turborepo', dir: '', build: 'npx turbo run build', start: 'npx turbo run start' });
    expect(detect(turborepo())).toEqual({
      tool: 'turborepo',
      dir: '',
      build: 'npx turbo run build',
      unchosen: "turbo's start task would start 2 apps in one container: set NIXPACKS_TURBO_APP_NAME to the app to run (@acme/docs, web, ui)",
    });
  });

  it('says to set NIXPACKS_TURBO_APP_NAME when neither turbo nor the root can start anything', () => {
    expect(detect(turborepo({ build: {} }))).toMatchObject({ unchosen: expect.stringMatching(/^the turborepo's root has no start script: set NIXPACKS_TURBO_APP_NAME/) });
    const rootStart = { ...turborepo({ build: {} }), 'package.json': JSON.stringify({ ...root, scripts: { start: 'node gateway.js' } }) };
    expect(detect(rootStart)).toEqual({ tool: 'turborepo', dir: '', build: 'npx turbo run build' });
    const noStart = turborepo({ build: {} }, { 'apps/web/package.json': app('web', { build: 'vite build' }) });
    expect(detect(noStart, { NIXPACKS_TURBO_APP_NAME: 'web' })).toMatchObject({
      dir: 'apps/web',
      unchosen: expect.stringMatching(/^the app "web" \(apps\/web\/\) has no start script/),
    });
  });
});

describe('detectMonorepo: npm/yarn/pnpm workspaces', () => {
  it('installs and runs at the root, and names a package to start when the root cannot', () => {
    const files = { ...turborepo(), 'turbo.json': undefined } as unknown as Record<string, string>;
    delete files['turbo.json'];
    expect(detect(files)).toEqual({
      tool: 'workspaces',
      dir: '',
      unchosen: 'the workspace root has no start script: add one, or set nixpacks.startCommand to start one package (e.g. npm --prefix apps/docs start)',
    });
    const withStart = { ...files, 'package.json': JSON.stringify({ ...root, scripts: { start: 'npm --prefix apps/web start' } }) };
    expect(detect(withStart)).toEqual({ tool: 'workspaces', dir: '' });
    expect(detect({ 'package.json': '{"name":"single"}' })).toBeUndefined();
  });
});
