import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'winston';

export const TOKEN_FILE_NAME = 'api-token';

/** Checks bearer tokens in constant time against the configured (or generated) tokens. */
export class TokenService {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  /**
   * The configured tokens; when there are none, the token stored under `dataDir`,
   * generated (mode 0600) on first start.
   */
  static resolveTokens(configured: readonly string[], dataDir: string, logger: Logger): string[] {
    if (configured.length > 0) return [...configured];
    const file = join(dataDir, TOKEN_FILE_NAME);
    try {
      const stored = readFileSync(file, 'utf8').trim();
      if (stored !== '') {
        logger.info('using the API token stored on disk', { tokenFile: file });
        return [stored];
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const token = randomBytes(32).toString('hex');
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    logger.warn('generated an API token; read it from the token file', { tokenFile: file });
    return [token];
  }

  /** True when `header` is `Bearer <token>` for one of the tokens. */
  verify(header: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match?.[1]) return false;
    const candidate = digest(match[1]);
    let ok = false;
    for (const d of this.digests) ok = timingSafeEqual(candidate, d) || ok;
    return ok;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
