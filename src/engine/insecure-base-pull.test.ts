import { RegistryCredentials } from '../images/registry-credentials';
import { buildOptions } from './dockerode-build';
import { insecureBaseImages } from './insecure-base-pull';

const registries = new RegistryCredentials(
  {
    '127.0.0.1:5000': { username: 'ci', password: 's3cret', insecure: true },
    'registry.lan': { username: 'ci', password: 'other', insecure: false },
  },
  () => '',
).forBuilds();

const spec = { contextDir: '/ctx', dockerfile: 'Dockerfile', tag: 'app:1', buildArgs: {}, labels: {}, noCache: false };

describe('FROM images of insecure registries on Podman', () => {
  it('pulls apart only the FROM images of registries marked insecure, with their credentials and TLS off', () => {
    const dockerfile = 'FROM 127.0.0.1:5000/team/base:1 AS build\nFROM registry.lan/app:2\nFROM build\nFROM berth-test/busybox:latest\n';
    expect(insecureBaseImages(dockerfile, {}, registries)).toEqual([
      {
        image: '127.0.0.1:5000/team/base:1',
        host: '127.0.0.1:5000',
        options: { auth: { serveraddress: '127.0.0.1:5000', username: 'ci', password: 's3cret' }, insecure: true },
      },
    ]);
  });

  it('never turns TLS verification off for a whole build, whatever registry is insecure', () => {
    for (const runtime of ['podman', 'docker'] as const) {
      const options = buildOptions(spec, runtime, undefined, registries, false);
      expect(options).not.toHaveProperty('tlsVerify');
      expect(Object.keys(options.registryconfig as object).sort()).toEqual(['127.0.0.1:5000', 'registry.lan']);
    }
  });
});
