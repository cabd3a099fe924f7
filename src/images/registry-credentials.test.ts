import { RegistryCredentials } from './registry-credentials';

const entry = (values: object) => ({ insecure: false, ...values });

describe('RegistryCredentials', () => {
  const credentials = new RegistryCredentials(
    {
      'Registry.LAN:5000': entry({ username: 'ci', password_file: '/secret/file', insecure: true }),
      'index.docker.io': entry({ token: 'hub-token' }),
    },
    (path) => (path === '/secret/file' ? 's3cret\n' : ''),
  );

  it('answers auth by host, case-blind, with the password read from its file', () => {
    expect(credentials.forHost('registry.lan:5000')).toEqual({ auth: { serveraddress: 'registry.lan:5000', username: 'ci', password: 's3cret' }, insecure: true });
    expect(credentials.forHost('docker.io')).toEqual({ auth: { serveraddress: 'https://index.docker.io/v1/', identitytoken: 'hub-token' } });
    expect(credentials.forHost('other.lan')).toEqual({});
  });

  it('gives builds every auth by registry address', () => {
    expect(Object.keys(credentials.registryConfig()).sort()).toEqual(['https://index.docker.io/v1/', 'registry.lan:5000']);
  });

  it('redacts every secret from text', () => {
    expect(credentials.redact('login s3cret and hub-token failed')).toBe('login *** and *** failed');
  });
});
