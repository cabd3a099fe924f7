import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { TOKEN_FILE_NAME, TokenService } from './token.service';

const TOKEN = 'a-configured-token-0123456789';
const OTHER = 'another-configured-token-98765';

describe('TokenService.verify', () => {
  const tokens = new TokenService([TOKEN, OTHER]);

  it.each([`Bearer ${TOKEN}`, `Bearer ${OTHER}`, `bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer    ${TOKEN}`, `Bearer\t${TOKEN}`, `Bearer ${TOKEN}  `])(
    'accepts %j',
    (header) => {
      expect(tokens.verify(header)).toBe(true);
    },
  );

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    TOKEN,
    `Basic ${TOKEN}`,
    `Bearer ${TOKEN}x`,
    `Bearer ${TOKEN.slice(0, -1)}`,
    `Bearer ${TOKEN} ${OTHER}`,
    `Bearer${TOKEN}`,
    `Token ${TOKEN}`,
    `Bearer ${TOKEN.toUpperCase()}`,
  ])('rejects %j', (header) => {
    expect(tokens.verify(header)).toBe(false);
  });

  it('accepts nothing when there are no tokens', () => {
    expect(new TokenService([]).verify(`Bearer ${TOKEN}`)).toBe(false);
  });
});

describe('TokenService.resolveTokens', () => {
  const logger = winston.createLogger({ silent: true });
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-token-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('generates a token into a 0600 file on first call and reuses it on the second', () => {
    const dataDir = join(root, 'data');
    const [first, ...more] = TokenService.resolveTokens([], dataDir, logger);
    expect(more).toEqual([]);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    const file = join(dataDir, TOKEN_FILE_NAME);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`${first}\n`);
    expect(TokenService.resolveTokens([], dataDir, logger)).toEqual([first]);
    expect(new TokenService([first as string]).verify(`Bearer ${first}`)).toBe(true);
  });

  it('uses the configured tokens and writes no file', () => {
    const dataDir = join(root, 'data');
    expect(TokenService.resolveTokens([TOKEN, OTHER], dataDir, logger)).toEqual([TOKEN, OTHER]);
    expect(existsSync(join(dataDir, TOKEN_FILE_NAME))).toBe(false);
  });

  it('prefers configured tokens over a stored one', () => {
    const stored = TokenService.resolveTokens([], root, logger);
    expect(TokenService.resolveTokens([TOKEN], root, logger)).toEqual([TOKEN]);
    expect(TokenService.resolveTokens([], root, logger)).toEqual(stored);
  });
});
