import { isValidImageReference, isValidImageTag, withDefaultTag } from './image-reference';

describe('isValidImageTag', () => {
  it.each([
    'app',
    'app:1.0',
    'app:latest',
    'my-app_2:v1.2.3-rc.1',
    'a.b__c--d',
    'team/app',
    'team/sub/app:tag',
    'registry.local/team/app',
    'registry.local:5000/team/app:latest',
    'localhost:5000/app',
    'localhost/app:1',
    'Registry.Example.com/app',
    '192.168.1.10:5000/app:x',
    'app:UPPER_tag',
    `app:${'t'.repeat(128)}`,
    `${'a'.repeat(250)}:1`,
  ])('accepts %s', (tag) => {
    expect(isValidImageTag(tag)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['App', 'upper-case name'],
    ['team/App', 'upper-case path component'],
    ['app:', 'empty tag'],
    ['app:-x', 'tag starting with "-"'],
    ['app:.x', 'tag starting with "."'],
    [`app:${'t'.repeat(129)}`, 'tag over 128 characters'],
    ['app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'digest'],
    ['my app', 'space'],
    ['app:1 0', 'space in tag'],
    ['-app', 'leading "-"'],
    ['_app', 'leading "_"'],
    ['.app', 'leading "."'],
    ['app-', 'trailing separator'],
    ['a..b', 'double dot'],
    ['a___b', 'triple underscore'],
    ['team//app', 'empty path component'],
    ['/app', 'leading slash'],
    ['app/', 'trailing slash'],
    ['registry.local:port/app', 'non-numeric port'],
    ['-registry.local/app', 'domain starting with "-"'],
    ['app:1:2', 'two tags'],
    ['app\n', 'line break'],
    [`${'a'.repeat(256)}`, 'over 255 characters'],
  ])('refuses %j (%s)', (tag) => {
    expect(isValidImageTag(tag)).toBe(false);
  });
});

describe('withDefaultTag', () => {
  it.each([
    ['app', 'app:latest'],
    ['app:1.0', 'app:1.0'],
    ['team/app', 'team/app:latest'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['localhost:5000/app:v2', 'localhost:5000/app:v2'],
    ['registry.local:5000/team/app', 'registry.local:5000/team/app:latest'],
  ])('%s → %s', (input, expected) => {
    expect(withDefaultTag(input)).toBe(expected);
  });
});

describe('isValidImageReference', () => {
  const SHA = '0123456789abcdef'.repeat(4);

  it.each([
    'app',
    'app:1.0',
    'registry.local:5000/team/app:latest',
    `app@sha256:${SHA}`,
    `app:1.0@sha256:${SHA}`,
    `localhost:5000/app@sha256:${SHA}`,
    `sha256:${SHA}`,
    SHA,
    '0123456789ab',
  ])('accepts %s', (ref) => {
    expect(isValidImageReference(ref)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    [`@sha256:${SHA}`, 'digest without a name'],
    ['app@sha256:abc', 'short digest'],
    [`app@sha256:${SHA.toUpperCase()}`, 'upper-case digest'],
    [`app@sha512:${SHA}${SHA}`, 'other algorithm'],
    [`App@sha256:${SHA}`, 'upper-case name'],
    ['app with space', 'space'],
    ['--rm', 'option'],
  ])('refuses %j (%s)', (ref) => {
    expect(isValidImageReference(ref)).toBe(false);
  });
});
