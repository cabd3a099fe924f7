import { MemoryWorkspace } from '../testing/memory-workspace';
import { planErrorOf } from '../testing/plan-error';
import { nxApp } from './node-nx';

const project = (build: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({ targets: { build, ...extra } });

/** Projects shaped as Nixpacks' examples/node-nx apps. */
const nxRepo: Record<string, string> = {
  'package.json': '{"name":"nx-repo"}',
  'nx.json': '{"npmScope":"acme"}',
  'apps/express-app/project.json': project({ executor: '@nrwl/node:webpack', options: { outputPath: 'dist/apps/express-app', main: 'apps/express-app/src/main.ts' } }),
  'apps/no-options/project.json': project({ executor: '@nrwl/node:webpack' }),
  'apps/start-command/project.json': project({ executor: '@nrwl/node:webpack' }, { start: { executor: 'nx:run-commands' } }),
  'apps/start-production/project.json': project({ executor: 'x' }, { start: { executor: 'nx:run-commands', configurations: { production: {} } } }),
  'apps/next-app/project.json': project({ executor: '@nrwl/next:build', options: { outputPath: 'dist/apps/next-app' } }),
  'apps/web/project.json': project({ executor: '@nx/vite:build', options: { outputPath: 'dist/apps/web' } }),
  'apps/shop/project.json': project({ executor: '@nx/webpack:webpack', options: { index: 'apps/shop/src/index.html', outputPath: 'dist/shop' } }),
};

function detect(variables: Record<string, string>, files: Record<string, string> = nxRepo) {
  const workspace = new MemoryWorkspace(files);
  return nxApp(workspace, JSON.parse(files['package.json'] ?? '{}') as Record<string, unknown>, variables);
}

describe('nxApp: as Nixpacks nx.rs', () => {
  it.each([
    ['express-app', 'node dist/apps/express-app/main.js'],
    ['no-options', 'node dist/apps/no-options/index.js'],
    ['start-command', 'npx nx run start-command:start'],
    ['start-production', 'npx nx run start-production:start:production'],
    ['next-app', 'cd dist/apps/next-app && npm run start'],
  ])('builds %s for production and starts it as Nixpacks does', (name, start) => {
    expect(detect({ NIXPACKS_NX_APP_NAME: name })).toMatchObject({ tool: 'nx', dir: `apps/${name}`, name, build: `npx nx run ${name}:build:production`, start });
  });

  it("takes nx.json's defaultProject without the variable", () => {
    expect(detect({}, { ...nxRepo, 'nx.json': '{"defaultProject":"express-app"}' })).toMatchObject({ name: 'express-app' });
  });

  it('serves the output path of a web build that has no start target', () => {
    expect(detect({ NIXPACKS_NX_APP_NAME: 'web' })).toMatchObject({ outputDir: 'dist/apps/web', staticOutput: true });
    expect(detect({ NIXPACKS_NX_APP_NAME: 'shop' })).toMatchObject({ outputDir: 'dist/shop', staticOutput: true });
    expect(detect({ NIXPACKS_NX_APP_NAME: 'web' })).not.toHaveProperty('start');
  });

  it('refuses an app name without a project.json build target, listing the apps', () => {
    expect(planErrorOf(() => detect({ NIXPACKS_NX_APP_NAME: '../apps/web' })).field).toBe('NIXPACKS_NX_APP_NAME');
    const error = planErrorOf(() => detect({ NIXPACKS_NX_APP_NAME: 'admin' }));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'NIXPACKS_NX_APP_NAME' });
    expect(error.message).toMatch(
      /^nixpacks: NIXPACKS_NX_APP_NAME="admin" names no nx app with a build target: set NIXPACKS_NX_APP_NAME .*\(found: express-app, next-app, no-options, shop, start-command, start-production, web\)$/,
    );
  });

  it('says to set NIXPACKS_NX_APP_NAME when no app is named and the root has no start script, and is off without nx.json', () => {
    expect(detect({})).toMatchObject({ tool: 'nx', dir: '', unchosen: expect.stringMatching(/set NIXPACKS_NX_APP_NAME/) });
    expect(detect({}, { ...nxRepo, 'package.json': '{"scripts":{"start":"node main.js"}}' })).toBeUndefined();
    const { 'nx.json': _, ...withoutNx } = nxRepo;
    expect(detect({ NIXPACKS_NX_APP_NAME: 'web' }, withoutNx)).toBeUndefined();
  });
});
