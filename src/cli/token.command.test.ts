import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/config.loader';
import { readApiToken, TokenUnavailableError } from './token.command';

const ROOT = join(__dirname, '..', '..');
const COMMAND = join(ROOT, 'dist', 'src', 'cli', 'token.command.js');
const STORED = '0123456789abcdef0123456789abcdef';

describe('readApiToken', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-token-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = (dataDir: string, tokens: string[] = []) =>
    parseConfig(`[server]\ndata_dir = ${JSON.stringify(dataDir)}\n[auth]\ntokens = ${JSON.stringify(tokens)}\n`, 'test.toml');

  it('prints the token the API stored under data_dir, without its newline', () => {
    writeFileSync(join(dir, 'api-token'), `${STORED}\n`, { mode: 0o600 });
    expect(readApiToken(config(dir))).toBe(STORED);
  });

  it('prefers a configured token, as the API does', () => {
    writeFileSync(join(dir, 'api-token'), `${STORED}\n`);
    expect(readApiToken(config(dir, ['configured-token-0123456789', 'second-token-0123456789']))).toBe('configured-token-0123456789');
  });

  it('refuses, naming the file, when no token was generated yet, and creates nothing', () => {
    const dataDir = join(dir, 'never-started');
    expect(() => readApiToken(config(dataDir))).toThrow(TokenUnavailableError);
    expect(() => readApiToken(config(dataDir))).toThrow(`no API token yet: ${join(dataDir, 'api-token')} does not exist`);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses an empty token file', () => {
    writeFileSync(join(dir, 'api-token'), '\n');
    expect(() => readApiToken(config(dir))).toThrow('is empty');
  });

  it('says what failed when the token file cannot be read', () => {
    mkdirSync(join(dir, 'api-token'));
    expect(() => readApiToken(config(dir))).toThrow(`cannot read ${join(dir, 'api-token')}: EISDIR`);
  });
});

describe('npm run token (the built command)', () => {
  let dir: string;

  beforeAll(() => {
    if (!existsSync(COMMAND)) throw new Error(`${COMMAND} does not exist: run \`npm run build\` first (npm test builds before testing)`);
    dir = mkdtempSync(join(tmpdir(), 'berth-token-cli-'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the command with BERTH_CONFIG=`file` and no other BERTH_ variable. */
  function run(file: string) {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('BERTH_')) env[name] = value;
    env.BERTH_CONFIG = file;
    return spawnSync(process.execPath, [COMMAND], { cwd: ROOT, env, encoding: 'utf8', timeout: 10000 });
  }

  function configFile(name: string, dataDir: string): string {
    const file = join(dir, name);
    writeFileSync(file, `[server]\ndata_dir = ${JSON.stringify(dataDir)}\n`);
    return file;
  }

  it('prints only the token on stdout, so that TOKEN=$(npm run --silent token) captures it', () => {
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(join(dataDir, 'api-token'), `${STORED}\n`);
    chmodSync(join(dataDir, 'api-token'), 0o600);
    const result = run(configFile('ok.toml', dataDir));
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 0, stdout: `${STORED}\n`, stderr: '' });
  });

  it('exits 1 with a reason on stderr and nothing on stdout when there is no token', () => {
    const result = run(configFile('missing.toml', join(dir, 'absent')));
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('berth token: no API token yet');
    expect(existsSync(join(dir, 'absent'))).toBe(false);
  });

  it('exits 1 naming the problem when the config is invalid', () => {
    const file = join(dir, 'bad.toml');
    writeFileSync(file, '[server]\nporrt = 1\n');
    const result = run(file);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('server.porrt = 1: unknown key');
  });
});
