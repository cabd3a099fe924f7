import type { PlanRequest } from '../plan';
import { MemoryWorkspace } from '../testing/memory-workspace';
import { execLast, startProcess } from './start-command';
import { planNixpacks } from '../testing/nixpacks-plan';

const pkg = (scripts: Record<string, string>): string => JSON.stringify({ scripts });
const SCRIPT_PATH = 'PATH=/app/node_modules/.bin:$PATH; ';

const plan = (files: Record<string, string>, nixpacks?: PlanRequest['nixpacks']) => planNixpacks(files, { nixpacks });

/** The CMD of the generated Dockerfile, read back as the builder reads it. */
function cmdOf(files: Record<string, string>, nixpacks?: PlanRequest['nixpacks']): unknown {
  const dockerfile = Object.values(plan(files, nixpacks).images[0]?.files ?? {})[0] ?? '';
  const line = dockerfile.split('\n').find((l) => l.startsWith('CMD '));
  return JSON.parse((line ?? '').slice(4));
}

describe('execLast', () => {
  it.each([
    ['node server.js', 'exec node server.js'],
    ['  node   server.js --port $PORT', '  exec node   server.js --port $PORT'],
    ['NODE_OPTIONS=--max-old-space-size=256 node "my app.js"', 'NODE_OPTIONS=--max-old-space-size=256 exec node "my app.js"'],
    ['/app/out', 'exec /app/out'],
    ['npm run migrate && node server.js', 'npm run migrate && exec node server.js'],
    ['cd dist; python -m http.server ${PORT:-8000}', 'cd dist; exec python -m http.server ${PORT:-8000}'],
    ['gunicorn \'app:create()\' -b "0.0.0.0:$PORT"', 'exec gunicorn \'app:create()\' -b "0.0.0.0:$PORT"'],
    ['echo a\\|b && node x', 'echo a\\|b && exec node x'],
    ['exec node server.js', 'exec node server.js'],
  ])('execs the last command of %j', (command, expected) => {
    expect(execLast(command)).toBe(expected);
  });

  it.each([
    'node server.js | tee out.log',
    'node server.js > out.log',
    'node a.js || node b.js',
    'node a.js & node b.js',
    'node a.js;',
    '&& node a.js',
    '(cd dist && node server.js)',
    'node "$(cat entry)"',
    'node `cat entry`',
    'node $(cat entry)',
    'if true; then node a.js; fi',
    'trap "rm -f /tmp/lock" EXIT; node server.js',
    'node a.js; cd /',
    'time node server.js',
    'node a.js && echo done',
    'FOO=1',
    'exec node a.js; node b.js',
    'node "unterminated',
    'node server.js # comment',
    'node a.js\nnode b.js',
  ])('leaves %j as written', (command) => {
    expect(execLast(command)).toBeUndefined();
  });
});

describe('startProcess', () => {
  const node = (scripts: Record<string, string>, more: Record<string, string> = {}) => new MemoryWorkspace({ 'package.json': pkg(scripts), ...more });

  it.each(['npm start', 'npm run start', 'npm run-script start', 'yarn start', 'yarn run start', 'pnpm start', 'pnpm run start'])(
    'runs the start script of a detected %j directly, with node_modules/.bin on PATH, and says so',
    (start) => {
      expect(startProcess(node({ start: 'next start -p $PORT' }), start, 'detected')).toEqual({
        shell: `${SCRIPT_PATH}exec next start -p $PORT`,
        note: 'next start -p $PORT (the package.json start script, run directly so that the app receives the stop signal)',
      });
    },
  );

  it("runs a monorepo app's start script in its folder, with both node_modules/.bin on PATH", () => {
    const workspace = new MemoryWorkspace({ 'apps/api/package.json': JSON.stringify({ scripts: { start: 'node server.js' } }) });
    expect(startProcess(workspace, 'npm --prefix apps/api start', 'detected').shell).toBe(
      'cd apps/api && PATH=/app/apps/api/node_modules/.bin:/app/node_modules/.bin:$PATH; exec node server.js',
    );
    expect(startProcess(workspace, 'npm --prefix ../x start', 'detected')).toEqual({ shell: 'exec npm --prefix ../x start' });
  });

  it('execs the last command of a compound start script', () => {
    expect(startProcess(node({ start: 'node migrate.js && node server.js' }), 'npm start', 'detected').shell).toBe(
      `${SCRIPT_PATH}node migrate.js && exec node server.js`,
    );
  });

  it("runs npm's default start, node server.js, when there is no start script", () => {
    expect(startProcess(node({}, { 'server.js': '' }), 'npm start', 'detected').shell).toBe(`${SCRIPT_PATH}exec node server.js`);
  });

  it('keeps the package manager when it would run more than the script, or the script is not a list of commands', () => {
    expect(startProcess(node({ prestart: 'node check.js', start: 'node server.js' }), 'npm start', 'detected')).toEqual({ shell: 'exec npm start' });
    expect(startProcess(node({ start: 'node server.js', poststart: 'echo done' }), 'npm start', 'detected')).toEqual({ shell: 'exec npm start' });
    expect(startProcess(node({ start: 'node server.js | pino-pretty' }), 'npm start', 'detected')).toEqual({ shell: 'exec npm start' });
    expect(startProcess(new MemoryWorkspace({ 'package.json': '{"scripts":' }), 'npm start', 'detected')).toEqual({ shell: 'exec npm start' });
  });

  it("keeps yarn for a Yarn 2+ app with Plug'n'Play, which has no node_modules without it", () => {
    const berry = { 'yarn.lock': '__metadata:\n  version: 8\n' };
    expect(startProcess(node({ start: 'node server.js' }, berry), 'yarn start', 'detected')).toEqual({ shell: 'exec yarn start' });
    const linked = { ...berry, '.yarnrc.yml': 'nodeLinker: node-modules\n' };
    expect(startProcess(node({ start: 'node server.js' }, linked), 'yarn start', 'detected').shell).toBe(`${SCRIPT_PATH}exec node server.js`);
    const classic = { 'yarn.lock': '# yarn lockfile v1\n' };
    expect(startProcess(node({ start: 'node server.js' }, classic), 'yarn start', 'detected').shell).toBe(`${SCRIPT_PATH}exec node server.js`);
  });

  it('runs a start command the user wrote as written, its last command exec-ed', () => {
    const workspace = node({ start: 'node server.js' });
    expect(startProcess(workspace, 'npm start', 'nixpacks.startCommand')).toEqual({ shell: 'exec npm start' });
    expect(startProcess(workspace, 'npm run db:migrate && npm start', 'Procfile')).toEqual({ shell: 'npm run db:migrate && exec npm start' });
    expect(startProcess(workspace, 'node server.js | cat', 'nixpacks.toml')).toEqual({ shell: 'node server.js | cat' });
  });
});

describe('the start line of the generated Dockerfile', () => {
  it('runs the start script itself for a Node app started with npm start, and the plan says what it runs', () => {
    const files = { 'package.json': pkg({ start: 'node server.js' }), 'server.js': '' };
    expect(cmdOf(files)).toEqual(['sh', '-c', `${SCRIPT_PATH}exec node server.js`]);
    const result = plan(files);
    expect(result.summary).toEqual(
      expect.arrayContaining(['start: npm start', 'runs: node server.js (the package.json start script, run directly so that the app receives the stop signal)']),
    );
    expect(result.details).toMatchObject({ start: 'npm start', startShell: `${SCRIPT_PATH}exec node server.js` });
  });

  it('execs a Python, Go or user-given start command', () => {
    expect(cmdOf({ 'requirements.txt': '', 'app.py': '' })).toEqual(['sh', '-c', 'exec python app.py']);
    expect(cmdOf({ 'go.mod': 'module x\n', 'main.go': '' })).toEqual(['sh', '-c', 'exec /app/out']);
    expect(cmdOf({ 'package.json': pkg({ start: 'node server.js' }) }, { startCommand: 'node other.js --port $PORT' })).toEqual([
      'sh',
      '-c',
      'exec node other.js --port $PORT',
    ]);
    expect(plan({ 'package.json': pkg({}), 'index.js': '' }).summary.some((line) => line.startsWith('runs:'))).toBe(false);
  });
});
