import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config/config.loader';
import type { BerthConfig } from '../config/config.schema';
import { TOKEN_FILE_NAME } from '../services/token.service';

/** Why no token could be printed; the message says what to do. */
export class TokenUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenUnavailableError';
  }
}

/**
 * The token a client should send: the first configured one (`[auth] tokens` or BERTH_API_TOKEN),
 * else the one the API generated under `[server] data_dir`. Reads only: it never generates a
 * token nor creates the directory, so a wrong config cannot leave a stray token behind.
 */
export function readApiToken(config: Readonly<BerthConfig>): string {
  const configured = config.auth.tokens[0];
  if (configured !== undefined) return configured;
  const file = join(config.server.data_dir, TOKEN_FILE_NAME);
  let stored: string;
  try {
    stored = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new TokenUnavailableError(explainReadError(file, (err as NodeJS.ErrnoException).code));
  }
  if (stored === '') throw new TokenUnavailableError(`${file} is empty: remove it and start Berth again to generate a new token`);
  return stored;
}

function explainReadError(file: string, code: string | undefined): string {
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return `no API token yet: ${file} does not exist. Start Berth once (./scripts/start.sh) to generate it, or check [server] data_dir and BERTH_CONFIG`;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return `cannot read ${file}: permission denied. It belongs to the user Berth runs as: run \`sudo npm run --silent token\``;
  }
  return `cannot read ${file}: ${code ?? 'unknown error'}`;
}

/** `npm run token`: prints the API token on stdout and nothing else, or a reason on stderr and exits 1. */
function main(): void {
  try {
    process.stdout.write(`${readApiToken(loadConfig())}\n`);
  } catch (err) {
    // ConfigError and TokenUnavailableError carry a message meant for the user; others are bugs.
    const message = err instanceof ConfigError || err instanceof TokenUnavailableError ? err.message : String(err);
    process.stderr.write(`berth token: ${message}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) main();
