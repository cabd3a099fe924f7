import { parseConfig } from './config.loader';
import { configError } from './testing/config-error';

describe('[registries] and [images]', () => {
  it('default to no registries, a 1 MiB progress log, 24 hours and 2 GiB imports', () => {
    const config = parseConfig('', 'empty.toml');
    expect(config.registries).toEqual({});
    expect(config.images).toEqual({ log_max_bytes: 1048576, retention_hours: 24, max_import_bytes: 2 * 1024 * 1024 * 1024 });
  });

  it('reads credentials by registry host, insecure false by default', () => {
    const toml = '[registries."registry.lan:5000"]\nusername = "ci"\npassword = "pw"\n[registries."docker.io"]\ntoken = "t"\ninsecure = true\n';
    expect(parseConfig(toml, 'r.toml').registries).toEqual({
      'registry.lan:5000': { username: 'ci', password: 'pw', insecure: false },
      'docker.io': { token: 't', insecure: true },
    });
  });

  it('refuses password with password_file, username with token, and unknown keys', () => {
    const both = configError(() => parseConfig('[registries."r.lan"]\npassword = "a"\npassword_file = "/f"\n', 'r.toml'));
    expect(both.problems.join('\n')).toContain('give password or password_file, not both');
    const token = configError(() => parseConfig('[registries."r.lan"]\nusername = "a"\ntoken = "t"\n', 'r.toml'));
    expect(token.problems.join('\n')).toContain('give username + password or token, not both');
    expect(configError(() => parseConfig('[registries."r.lan"]\npasswd = "a"\n', 'r.toml')).problems.join('\n')).toContain('passwd');
  });

  it('takes no environment override inside [registries], and says so for a misspelt variable', () => {
    expect(configError(() => parseConfig('', 'r.toml', { BERTH_REGISTRIES_PASSWORD: 'x' })).problems.join('\n')).toContain('BERTH_REGISTRIES_PASSWORD');
  });
});
