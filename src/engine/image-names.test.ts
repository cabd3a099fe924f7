import { engineImageRef, isTagOf, normaliseImageName, splitTag } from './image-names';

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

describe('isTagOf', () => {
  it.each([
    ['docker.io/library/app:latest', 'app'],
    ['docker.io/library/app:latest', 'app:latest'],
    ['app:latest', 'docker.io/library/app'],
    ['localhost/app:1', 'app:1'],
    ['docker.io/team/app:1', 'team/app:1'],
    ['registry.lan:5000/team/app:1', 'registry.lan:5000/team/app:1'],
    ['registry.lan:5000/app', 'registry.lan:5000/app:latest'],
  ])('%s is %s', (name, ref) => {
    expect(isTagOf(name, ref)).toBe(true);
  });

  it.each([
    ['app:1', 'app'],
    ['app:1', 'app:10'],
    ['team/app:1', 'app:1'],
    ['registry.lan:5000/app:1', 'app:1'],
    ['app:latest', `sha256:${'a'.repeat(64)}`],
    ['app:latest', `app@sha256:${'a'.repeat(64)}`],
  ])('%s is not %s', (name, ref) => {
    expect(isTagOf(name, ref)).toBe(false);
  });
});

describe('splitTag', () => {
  it.each([
    ['app:1', 'app', '1'],
    ['app', 'app', 'latest'],
    ['docker.io/library/app:latest', 'docker.io/library/app', 'latest'],
    ['registry.lan:5000/team/app:1.2', 'registry.lan:5000/team/app', '1.2'],
    ['registry.lan:5000/team/app', 'registry.lan:5000/team/app', 'latest'],
  ])('%s → %s + %s', (name, repo, tag) => {
    expect(splitTag(name)).toEqual({ repo, tag });
  });
});

describe('engineImageRef', () => {
  it('prefixes a bare full id with sha256:, and leaves everything else', () => {
    const hex = '0123456789ab'.repeat(5) + '0123';
    expect(engineImageRef(hex)).toBe(`sha256:${hex}`);
    for (const ref of [`sha256:${hex}`, hex.slice(0, 12), 'app:1', `app@sha256:${hex}`]) expect(engineImageRef(ref)).toBe(ref);
  });
});
