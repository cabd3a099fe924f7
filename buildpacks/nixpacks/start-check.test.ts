import type { PlanRequest } from '../plan';
import { planErrorOf } from '../testing/plan-error';
import { planNixpacks } from '../testing/nixpacks-plan';

const plan = (files: Record<string, string>, nixpacks?: PlanRequest['nixpacks']) => planNixpacks(files, { nixpacks });

const pkg = (manifest: object): string => JSON.stringify(manifest);

describe('nixpacks start check: node', () => {
  it('refuses a package.json main that is not in the repository, naming the file and the fix', () => {
    const error = planErrorOf(() => plan({ 'package.json': pkg({ main: 'server.js' }) }));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'nixpacks.startCommand' });
    expect(error.message).toBe(
      'nixpacks: the start command "node server.js" runs server.js, which is not in the repository: set nixpacks.startCommand, or add server.js',
    );
  });

  it("checks a monorepo app's start script in the app's folder", () => {
    const files = {
      'package.json': pkg({ workspaces: ['apps/*'] }),
      'turbo.json': '{"tasks":{}}',
      'apps/web/package.json': pkg({ name: 'web', scripts: { start: 'node server.js' } }),
    };
    const variables = { NIXPACKS_TURBO_APP_NAME: 'web' };
    const error = planErrorOf(() => plan({ ...files, 'server.js': '' }, { buildCommand: '', variables }));
    expect(error.message).toBe(
      'nixpacks: the start command "npm --prefix apps/web start" (package.json start script "node server.js") runs apps/web/server.js, ' +
        'which is not in the repository: set nixpacks.startCommand, or add apps/web/server.js',
    );
    // The turbo build may write it.
    expect(plan(files, { variables }).details.warnings).toEqual([
      expect.stringContaining('runs apps/web/server.js, which is not in the repository: the build must create it'),
    ]);
    expect(plan({ ...files, 'apps/web/server.js': '' }, { variables }).details).toMatchObject({ start: 'npm --prefix apps/web start', warnings: [] });
  });

  it('falls back to index.js when main is missing, as Nixpacks does', () => {
    expect(plan({ 'package.json': pkg({ main: 'gone.js' }), 'index.js': '' }).details).toMatchObject({ start: 'node index.js', warnings: [] });
  });

  it('accepts a main that node resolves: an extension left off, or a folder with index.js', () => {
    expect(plan({ 'package.json': pkg({ main: 'server' }), 'server.js': '' }).details.start).toBe('node server');
    expect(plan({ 'package.json': pkg({ main: './lib' }), 'lib/index.js': '' }).details.start).toBe('node ./lib');
  });

  it('only warns about a missing main when a build script may create it', () => {
    const result = plan({ 'package.json': pkg({ main: 'dist/index.js', scripts: { build: 'tsc' } }) });
    const warning = 'the start command "node dist/index.js" runs dist/index.js, which is not in the repository: the build must create it, or the app will not start';
    expect(result.details.warnings).toEqual([warning]);
    expect(result.summary).toContain(`WARNING ${warning}`);
  });

  it('refuses a start script that runs a missing file, and accepts it once the file is there', () => {
    const files = { 'package.json': pkg({ scripts: { start: 'node app.js --port 3000' } }) };
    expect(planErrorOf(() => plan(files)).message).toBe(
      'nixpacks: the start command "npm start" (package.json start script "node app.js --port 3000") runs app.js, which is not in the repository: ' +
        'set nixpacks.startCommand, or add app.js',
    );
    expect(plan({ ...files, 'app.js': '' }).details).toMatchObject({ start: 'npm start', warnings: [] });
  });

  it('does not check start scripts that are not a plain node <file>', () => {
    for (const start of ['next start', 'node -r dotenv/config server.js', 'node $ENTRY', 'node ../outside.js', 'npx serve dist']) {
      expect(plan({ 'package.json': pkg({ scripts: { start } }) }).details.warnings).toEqual([]);
    }
  });

  it.each(['pnpm start:prod', 'bun run server.ts', 'npm run migrate && pnpm serve', 'corepack pnpm serve'])(
    'refuses a start script that needs a package manager the image lacks at run time: %s',
    (start) => {
      const error = planErrorOf(() => plan({ 'package.json': pkg({ scripts: { start } }), 'server.js': '' }));
      expect(error).toMatchObject({ code: 'invalid_repository', field: 'nixpacks.startCommand' });
      expect(error.message).toMatch(/runs (pnpm|bun), which the image does not have at run time: set nixpacks.startCommand/);
    },
  );

  it.each(['yarn node server.js', 'npm run migrate && yarn serve'])('warns about yarn at run time (official Node images ship yarn classic): %s', (start) => {
    const warnings = plan({ 'package.json': pkg({ scripts: { start } }), 'server.js': '' }).details.warnings as string[];
    expect(warnings.join('\n')).toContain('runs yarn at run time: the node image must have it');
  });

  it('refuses such a binary in any start command, the request option included', () => {
    const files = { 'package.json': pkg({}), 'index.js': '' };
    expect(planErrorOf(() => plan(files, { startCommand: 'pnpm start' })).message).toContain('runs pnpm, which the image does not have');
    expect(plan(files, { startCommand: 'node index.js --yarn' }).details.start).toBe('node index.js --yarn');
  });

  it('trusts a file named by the request: the user may create it in a custom build', () => {
    expect(plan({ 'package.json': pkg({}), 'index.js': '' }, { startCommand: 'node generated.js' }).details.warnings).toEqual([]);
  });
});

describe('nixpacks start check: Procfile and python', () => {
  it('refuses a Procfile web: command that runs a missing file', () => {
    const error = planErrorOf(() => plan({ 'package.json': pkg({}), 'index.js': '', Procfile: 'web: node server.js\n' }));
    expect(error.message).toBe(
      'nixpacks: the start command "node server.js" runs server.js, which is not in the repository: set nixpacks.startCommand, or add server.js',
    );
    const python = planErrorOf(() => plan({ 'requirements.txt': 'flask', Procfile: 'web: python app.py' }));
    expect(python.message).toContain('runs app.py, which is not in the repository: set nixpacks.startCommand, or add app.py');
  });

  it('accepts a Procfile whose target exists, or is not a file', () => {
    expect(plan({ 'requirements.txt': 'flask', 'app.py': '', Procfile: 'web: python3 ./app.py' }).details.start).toBe('python3 ./app.py');
    expect(plan({ 'requirements.txt': 'flask', Procfile: 'web: gunicorn app:app' }).details.warnings).toEqual([]);
    expect(plan({ 'requirements.txt': 'flask', 'pkg/__main__.py': '', Procfile: 'web: python pkg' }).details.warnings).toEqual([]);
  });

  it('refuses a Procfile web: command that needs pnpm', () => {
    const message = planErrorOf(() => plan({ 'package.json': pkg({}), 'index.js': '', Procfile: 'web: pnpm start' })).message;
    expect(message).toContain('the start command "pnpm start" runs pnpm');
  });
});
