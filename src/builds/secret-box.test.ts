import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../errors';
import { errorThrown } from '../errors/testing/error-thrown';
import { SECRET_KEY_FILE_NAME, SecretBox } from './secret-box';

const TOKEN = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';

describe('SecretBox', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-secret-box-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('seals so that the token is nowhere in the stored text, and opens it again', () => {
    const box = new SecretBox(randomBytes(32));
    const plain = JSON.stringify({ username: 'bot', token: TOKEN });
    const sealed = box.seal('b1', plain);
    expect(sealed).not.toContain(TOKEN);
    expect(sealed).not.toContain('bot');
    expect(Buffer.from(sealed.split('.')[3] ?? '', 'base64url').toString('latin1')).not.toContain(TOKEN);
    expect(box.open('b1', sealed)).toBe(plain);
    expect(box.seal('b1', plain)).not.toBe(sealed);
  });

  it('refuses another key, another build and altered text with a clear error', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('b1', TOKEN);
    const other = new SecretBox(randomBytes(32), '/srv/other/secret-key');
    const err = catchError(() => other.open('b1', sealed));
    expect(err.code).toBe('secrets_unreadable');
    expect(err.message).toContain('cannot be decrypted with /srv/other/secret-key');
    expect(err.message).toContain('data_dir');
    expect(catchError(() => box.open('b2', sealed)).code).toBe('secrets_unreadable');
    const [v, iv, tag, body] = sealed.split('.') as [string, string, string, string];
    const flipped = `${v}.${iv}.${tag}.${body.slice(0, -2)}${body.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(catchError(() => box.open('b1', flipped)).code).toBe('secrets_unreadable');
    expect(catchError(() => box.open('b1', JSON.stringify({ token: TOKEN }))).message).toContain('not in a sealed form');
  });

  it('makes the key file once, mode 0600, and every later box (API or worker) reads the same key', () => {
    const api = SecretBox.fromDataDir(join(dir, 'data'));
    const file = join(dir, 'data', SECRET_KEY_FILE_NAME);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    const key = readFileSync(file, 'utf8');
    const worker = SecretBox.fromDataDir(join(dir, 'data'));
    expect(readFileSync(file, 'utf8')).toBe(key);
    expect(worker.open('b1', api.seal('b1', TOKEN))).toBe(TOKEN);
  });

  it('refuses a key file that does not hold a key', () => {
    writeFileSync(join(dir, SECRET_KEY_FILE_NAME), 'not a key\n', { mode: 0o600 });
    expect(() => SecretBox.fromDataDir(dir)).toThrow('must hold a 256-bit key as 64 hex digits');
  });
});

const catchError = (fn: () => unknown): AppError => errorThrown(AppError, fn);
