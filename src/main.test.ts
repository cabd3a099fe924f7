import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const DEADLINE_MS = 10000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the built API with BERTH_CONFIG=`file` and no other BERTH_ variable; kills it after the deadline. */
function runMain(file: string): Promise<Exit> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('BERTH_')) env[name] = value;
  env.BERTH_CONFIG = file;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

describe('start-up with a bad configuration', () => {
  let dir: string;

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} does not exist: run \`npm run build\` first (npm test builds before testing)`);
    dir = mkdtempSync(join(tmpdir(), 'berth-main-'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A config that would start cleanly but for `extra`; state goes to the temp dir, not /var/lib. */
  function configFile(name: string, extra: { server?: string; docker?: string }): string {
    const file = join(dir, name);
    writeFileSync(
      file,
      [
        '[server]',
        'port = 0',
        `data_dir = ${JSON.stringify(join(dir, 'data'))}`,
        extra.server ?? '',
        '[docker]',
        extra.docker ?? '',
        '[auth]',
        'tokens = ["a-start-up-test-token-0123456789"]',
        '[log]',
        'level = "error"',
        '',
      ].join('\n'),
    );
    return file;
  }

  it.each([
    ['an unknown key', 'unknown.toml', { server: 'prot = 8080' }, 'server.prot', '8080'],
    ['a value of the wrong type', 'wrong-type.toml', { server: 'host = 42' }, 'server.host', '42'],
    ['a socket that does not exist', 'no-socket.toml', { docker: 'socket_path = "/nonexistent.sock"' }, 'docker.socket_path', '"/nonexistent.sock"'],
  ])('exits non-zero on %s, naming the file, the key and the value', async (_, name, extra, path, value) => {
    const file = configFile(name, extra);
    const started = Date.now();
    const exit = await runMain(file);
    expect(exit.signal).toBeNull();
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS);
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toContain(file);
    expect(exit.stderr).toContain(`${path} = ${value}`);
    expect(exit.stderr).not.toMatch(/^ {4}at /m);
  });
});
