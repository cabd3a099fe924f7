import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricsTokens } from './metrics.composition';

describe('metricsTokens', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-metrics-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the token and the trimmed content of the token file', () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'from-the-file-0123456789\n');
    expect(metricsTokens({ token: 'configured-0123456789', token_file: file, allow: [] })).toEqual(['configured-0123456789', 'from-the-file-0123456789']);
    expect(metricsTokens({ token: '', token_file: '', allow: [] })).toEqual([]);
  });

  it('stops the start on a token file that cannot be read or holds too short a token', () => {
    expect(() => metricsTokens({ token: '', token_file: join(dir, 'missing'), allow: [] })).toThrow(/token_file .*missing cannot be read: ENOENT/);
    const short = join(dir, 'short');
    writeFileSync(short, 'abc\n');
    expect(() => metricsTokens({ token: '', token_file: short, allow: [] })).toThrow(/at least 16 characters/);
  });
});
