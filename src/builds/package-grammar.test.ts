import { debianPackageProblem, isDebianVersion, pipRequirementProblem } from './package-grammar';

describe('Debian package names and versions', () => {
  it.each([
    'jq',
    'libc6',
    'g++',
    'python3.11',
    'libstdc++6',
    'jq=1.6-2.1+deb12u2',
    'vim=2:9.0.1378-2',
    'curl=7.88.1-10+deb12u5',
    'tzdata=2024a-0+deb12u1',
    'foo=1.0~rc1',
    'jq=1:2',
  ])('accepts %s', (entry) => expect(debianPackageProblem(entry)).toBeUndefined());

  it.each([
    ['j', 'single character'],
    ['Jq', 'upper case'],
    ['-o', 'an option'],
    ['--allow-unauthenticated', 'a long option'],
    ['jq curl', 'whitespace'],
    ['jq;id', 'shell text'],
    ['./x.deb', 'a path'],
    ['jq/bookworm', 'a release'],
    ['jq:amd64', 'an architecture'],
    ['jq=', 'an empty version'],
    ['jq=abc', 'a version not starting with a digit'],
    ['jq=1.0-', 'an empty revision'],
  ])('refuses %s (%s)', (entry) => expect(debianPackageProblem(entry)).toEqual(expect.any(String)));

  it('allows a hyphen in the upstream version only with a revision, and a colon only with an epoch', () => {
    expect(isDebianVersion('1.2-3-4')).toBe(true);
    expect(isDebianVersion('1.2:3')).toBe(false);
    expect(isDebianVersion('1:1.2:3')).toBe(true);
    expect(isDebianVersion('a:1.0')).toBe(false);
    expect(isDebianVersion('1.0 ')).toBe(false);
  });
});

describe('pip requirements', () => {
  it.each([
    'six',
    'Django',
    'zope.interface',
    'typing_extensions',
    'a',
    'requests[socks,security]',
    'six==1.16.0',
    'requests>=2,<3',
    'numpy~=1.26',
    'pkg!=1.*',
    'pkg==2.0rc1',
    'pkg==1.0.post1.dev2',
    'pkg==1!2.0',
    'pkg==1.0+local.7',
    'pkg===1.0',
  ])('accepts %s', (entry) => expect(pipRequirementProblem(entry)).toBeUndefined());

  it.each([
    ['', 'empty'],
    ['-r', 'an option'],
    ['--index-url=http://127.0.0.1/simple', 'an index option'],
    ['-e.', 'an editable path'],
    ['./pkg', 'a path'],
    ['/tmp/x.whl', 'an absolute path'],
    ['https://example.invalid/x.whl', 'a URL'],
    ['pkg @ https://example.invalid/x.whl', 'a direct reference'],
    ['git+https://example.invalid/x', 'a VCS URL'],
    ['six ==1.16', 'whitespace'],
    ['six==1.16;python_version<"4"', 'a marker'],
    ['six==', 'no version'],
    ['six==abc', 'not a PEP 440 version'],
    ['six=1.16', 'one equals sign'],
    ['six>=1,', 'a trailing comma'],
    ['-six', 'a leading hyphen'],
    ['six-', 'a trailing hyphen'],
    ['six[bad extra]', 'a bad extra'],
    ['six;id', 'shell text'],
  ])('refuses %j (%s)', (entry) => expect(pipRequirementProblem(entry)).toEqual(expect.any(String)));
});
