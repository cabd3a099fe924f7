import { ConfigError, parseConfig } from './config.loader';

describe('[deploy] and [proxy] base_domain', () => {
  it('default to a 30 s drain, 5 releases, 2 deployments at once, a 24 h grace and no base domain', () => {
    const config = parseConfig('', 'empty.toml');
    expect(config.deploy).toEqual({ drain_seconds: 30, releases_kept: 5, concurrency: 2, webhook_secret_grace_hours: 24 });
    expect(config.proxy.base_domain).toBe('');
  });

  it('take a DNS name as base domain', () => {
    expect(parseConfig('[proxy]\nbase_domain = "apps.example.com"\n', 'x.toml').proxy.base_domain).toBe('apps.example.com');
  });

  it.each([
    ['a base domain with a scheme', '[proxy]\nbase_domain = "https://apps.example.com"\n'],
    ['a base domain with a leading dot', '[proxy]\nbase_domain = ".example.com"\n'],
    ['no releases kept', '[deploy]\nreleases_kept = 0\n'],
    ['a negative drain time', '[deploy]\ndrain_seconds = -1\n'],
    ['an unknown deploy key', '[deploy]\ndrain = 5\n'],
  ])('refuse %s', (_what, toml) => {
    expect(() => parseConfig(toml, 'x.toml')).toThrow(ConfigError);
  });
});
