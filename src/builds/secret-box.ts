import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors';

/** Name of the key file under `[server] data_dir`, beside the API token. */
export const SECRET_KEY_FILE_NAME = 'secret-key';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals build credentials (AES-256-GCM) before they go to Redis, with a key kept outside Redis:
 * Redis's append-only file keeps every value ever written, long after the key is deleted. The
 * build id is bound in as associated data, so a sealed value only opens for its own build.
 */
export class SecretBox {
  constructor(
    private readonly key: Buffer,
    /** Where the key came from, for messages. */
    private readonly keySource = 'the configured key',
  ) {
    if (key.length !== 32) throw new Error('a SecretBox key is 32 bytes');
  }

  /**
   * The key stored in `<dataDir>/secret-key`, made (mode 0600) on first use. The API and every
   * worker must see the same file: they share `[server] data_dir`.
   */
  static fromDataDir(dataDir: string): SecretBox {
    const file = join(dataDir, SECRET_KEY_FILE_NAME);
    return new SecretBox(readOrCreateKey(dataDir, file), file);
  }

  seal(buildId: string, plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(buildId, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** The plaintext, or an AppError `secrets_unreadable` when the key (or the build) is not the one it was sealed with. */
  open(buildId: string, sealed: string): string {
    const [version, iv, tag, body, ...rest] = sealed.split('.');
    if (version !== VERSION || iv === undefined || tag === undefined || body === undefined || rest.length > 0) {
      throw unreadable(`the stored credentials of build ${buildId} are not in a sealed form this Berth reads`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(buildId, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw unreadable(
        `the stored credentials of build ${buildId} cannot be decrypted with ${this.keySource}: ` +
          'the API and the workers must share the same [server] data_dir (its secret-key file)',
      );
    }
  }
}

function unreadable(message: string): AppError {
  return new AppError('secrets_unreadable', message);
}

function readOrCreateKey(dataDir: string, file: string): Buffer {
  const existing = readKey(file);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Written aside, then linked into place: linking fails if another process (the API, a worker)
  // made the key first, and nobody ever reads a half-written file.
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(aside, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(aside);
  }
  const key = readKey(file);
  if (!key) throw new Error(`${file} could not be created`);
  return key;
}

function readKey(file: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new Error(`${file} must hold a 256-bit key as 64 hex digits`);
  return Buffer.from(text, 'hex');
}
