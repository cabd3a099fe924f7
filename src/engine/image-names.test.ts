import { normaliseImageName } from './image-names';

describe('normaliseImageName', () => {
  it.each([
    ['docker.io/library/nginx:alpine', 'nginx:alpine'],
    ['localhost/app:1', 'app:1'],
    ['docker.io/bitnami/redis:7', 'bitnami/redis:7'],
    ['nginx:alpine', 'nginx:alpine'],
    ['sha256:0123abcd', 'sha256:0123abcd'],
    ['ghcr.io/owner/app:1', 'ghcr.io/owner/app:1'],
    ['localhost:5000/app:1', 'localhost:5000/app:1'],
    ['quay.io/docker.io/library/x', 'quay.io/docker.io/library/x'],
  ])('answers %s as %s', (name, short) => {
    expect(normaliseImageName(name)).toBe(short);
  });
});
