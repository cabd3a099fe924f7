import { registryFailure, registryHost } from './registry-errors';

describe('registryHost', () => {
  it.each([
    ['app:1', 'docker.io'],
    ['team/app:1', 'docker.io'],
    ['registry.lan/team/app:1', 'registry.lan'],
    ['127.0.0.1:5000/app@sha256:' + 'a'.repeat(64), '127.0.0.1:5000'],
    ['localhost/app', 'localhost'],
    ['Registry.LAN:443/app', 'registry.lan:443'],
  ])('%s → %s', (ref, host) => expect(registryHost(ref)).toBe(host));
});

describe('registryFailure', () => {
  const ref = '127.0.0.1:5000/team/app:1';
  it.each([
    ['unauthorized: authentication required', 'registry_auth_failed'],
    ['no basic auth credentials', 'registry_auth_failed'],
    ['reading manifest 1 in 127.0.0.1:5000/team/app: manifest unknown: manifest unknown', 'registry_not_found'],
    ['manifest for 127.0.0.1:5000/team/app:1 not found: manifest unknown', 'registry_not_found'],
    ['Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused', 'registry_unreachable'],
    ['pinging container registry 127.0.0.1:5000: Get "https://127.0.0.1:5000/v2/": http: server gave HTTP response to HTTPS client', 'registry_unreachable'],
    ['something odd', 'registry_error'],
  ])('%s → %s, naming the registry', (message, code) => {
    const err = registryFailure(ref, message);
    expect(err).toMatchObject({ code, details: { registry: '127.0.0.1:5000' } });
    expect(err.message).toContain('127.0.0.1:5000');
  });

  it('does not read a 401 or 404 inside a digest as a status', () => {
    expect(registryFailure(ref, `blob sha256:ab401cd404ef failed`).code).toBe('registry_error');
  });
});
