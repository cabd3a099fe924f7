import { parseConfig } from './config.loader';
import { configError } from './testing/config-error';

describe('[metrics]', () => {
  it('defaults to no token, no token file and no allow-list (no /metrics)', () => {
    expect(parseConfig('', 'empty.toml').metrics).toEqual({ token: '', token_file: '', allow: [] });
  });

  it('takes a token, a token file, addresses and CIDR ranges of both families, and the token from the environment', () => {
    const toml = '[metrics]\ntoken_file = "/run/secrets/metrics"\nallow = ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]\n';
    const config = parseConfig(toml, 'm.toml', { BERTH_METRICS_TOKEN: 'scraper-token-0123456789' });
    expect(config.metrics).toEqual({ token: 'scraper-token-0123456789', token_file: '/run/secrets/metrics', allow: ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8'] });
  });

  it('refuses a short token, and allow entries that are not addresses or ranges', () => {
    expect(configError(() => parseConfig('[metrics]\ntoken = "short"\n', 'm.toml')).problems.join('\n')).toContain('at least 16 characters');
    for (const entry of ['localhost', '10.0.0.0/33', '::1/129', '10.0.0.0/8/1', '10.0.0.0/x', '']) {
      const problems = configError(() => parseConfig(`[metrics]\nallow = ["${entry}"]\n`, 'm.toml')).problems.join('\n');
      expect(problems).toContain('must be an IP address or a CIDR range');
    }
  });
});
