import { isCommitSha, isValidRefName, parseGitUrl, type GitUrl } from './git-url';

function parsed(input: string, allowFile = false): GitUrl {
  const result = parseGitUrl(input, allowFile);
  if (typeof result === 'string') throw new Error(`expected ${input} to parse, got: ${result}`);
  return result;
}

describe('parseGitUrl', () => {
  it.each([
    ['https://github.com/owner/repo.git', 'https', 'github.com'],
    ['http://git.example.test:8080/repo', 'http', 'git.example.test'],
    ['ssh://git@git.example.test:2222/owner/repo.git', 'ssh', 'git.example.test'],
    ['git://git.example.test/repo.git', 'git', 'git.example.test'],
    ['git@github.com:owner/repo.git', 'ssh', 'github.com'],
    ['deploy_user@git.example.test:~team/repo', 'ssh', 'git.example.test'],
  ] as const)('accepts %s as %s on %s, unchanged', (input, scheme, host) => {
    expect(parsed(input)).toEqual({ scheme, host, url: input });
  });

  it('lower-cases host names and strips the brackets of IPv6 literals', () => {
    expect(parsed('https://Git.Example.TEST/r').host).toBe('git.example.test');
    expect(parsed('https://[::1]:8443/r').host).toBe('::1');
    expect(parsed('ssh://git@[fd00::5]/r').host).toBe('fd00::5');
  });

  it('reports the normalised address of numeric hosts, so the host guard sees what git connects to', () => {
    expect(parsed('http://0x7f.1/r').host).toBe('127.0.0.1');
    expect(parsed('https://2130706433/r').host).toBe('127.0.0.1');
    expect(parsed('https://[::ffff:127.0.0.1]/r').host).toBe('::ffff:7f00:1');
  });

  it('moves https and http credentials out of the URL, decoded', () => {
    expect(parsed('https://alice:s%40cret@git.example.test/team/repo.git')).toEqual({
      scheme: 'https',
      host: 'git.example.test',
      url: 'https://git.example.test/team/repo.git',
      username: 'alice',
      password: 's@cret',
    });
    const tokenOnly = parsed('http://ghp_token123@git.example.test/repo');
    expect(tokenOnly).toMatchObject({ username: 'ghp_token123', password: '', url: 'http://git.example.test/repo' });
    expect(tokenOnly.url).not.toContain('ghp_token123');
  });

  it('keeps a user name in ssh URLs, which is not a secret', () => {
    expect(parsed('ssh://git@git.example.test/repo')).toEqual({ scheme: 'ssh', host: 'git.example.test', url: 'ssh://git@git.example.test/repo' });
  });

  it.each(['ssh://git:hunter2@git.example.test/repo', 'git://me:pw@git.example.test/repo'])('refuses a password in %s', (input) => {
    expect(parseGitUrl(input, false)).toBe('must not carry a password; use git_credentials');
  });

  it('answers badly encoded credentials with a message instead of throwing', () => {
    expect(parseGitUrl('https://user:%zz@git.example.test/repo', false)).toEqual(expect.stringContaining('encoded'));
    expect(parseGitUrl('https://%E0%A4%A@git.example.test/repo', false)).toEqual(expect.stringContaining('encoded'));
  });

  it('accepts file URLs only when allowed', () => {
    expect(parseGitUrl('file:///srv/git/repo.git', false)).toMatch(/file:\/\/ URLs are disabled.*allow_file_urls/);
    expect(parsed('file:///srv/git/repo.git', true)).toEqual({ scheme: 'file', host: '', url: 'file:///srv/git/repo.git' });
    expect(typeof parseGitUrl('file://user:secret@host/srv/repo.git', true)).toBe('string');
  });

  it.each([
    ['', /https, http, ssh or git URL/],
    ['github.com/owner/repo', /https, http, ssh or git URL/],
    ['/srv/git/repo', /https, http, ssh or git URL/],
    ['../repo', /https, http, ssh or git URL/],
    ['https://git.example.test/my repo', /without spaces/],
    ['https://git.example.test/repo\n', /without spaces/],
    ['https://git.example.test/re\0po', /without spaces/],
    ['-uhttps://x/y', /must not start with "-"/],
    ['--upload-pack=touch /tmp/x', /without spaces/],
    ['--upload-pack=id', /must not start with "-"/],
    ['ext::sh -c touch% /tmp/pwned', /without spaces/],
    ['ext::ssh', /scheme "ext" is not allowed/],
    ['fd::17', /scheme "fd" is not allowed/],
    ['ftp://git.example.test/repo', /scheme "ftp" is not allowed/],
    ['javascript:alert(1)', /scheme "javascript" is not allowed/],
    ['git+ssh://git.example.test/repo', /scheme "git\+ssh" is not allowed/],
    ['ssh:///repo', /must name a host/],
    ['https://-oProxyCommand.example/repo', /host must not start with "-"/],
    ['ssh://-oProxyCommand=touch/repo', /host must not start with "-"/],
    ['git@-oProxyCommand:repo', /host must not start with "-"/],
    ['ssh://-x@git.example.test/repo', /user name must not start with "-"/],
    ['ssh://a%20b/repo', /host must be a host name or an IP address/],
    ['git://x$(id)y/repo', /host must be a host name or an IP address/],
    [`https://git.example.test/${'a'.repeat(2048)}`, /without spaces/],
  ])('refuses %j', (input, message) => {
    const result = parseGitUrl(input, true);
    expect(typeof result).toBe('string');
    expect(result).toMatch(message);
  });

  it('refuses backslashes, which git and the URL parser read differently', () => {
    // WHATWG reads the host as "git.example.test", curl (and so git) connects to 127.0.0.1.
    expect(parseGitUrl('http://git.example.test\\@127.0.0.1:6379/x.git', false)).toEqual(expect.stringContaining('backslash'));
    expect(parseGitUrl('ssh://git.example.test\\@127.0.0.1/x.git', false)).toEqual(expect.stringContaining('backslash'));
  });
});

describe('isValidRefName', () => {
  // Each agrees with `git check-ref-format --branch` (git 2.39).
  it.each(['main', 'feature/login-form', 'v1.2.3', 'release-2024.01', 'a@b', 'foo./bar', 'x.lockx', 'refs/heads/x', 'café', 'UPPER_case'])('accepts %j', (name) => {
    expect(isValidRefName(name)).toBe(true);
  });

  it.each([
    '',
    '@',
    '-x',
    '--upload-pack=x',
    '/x',
    'x/',
    'a//b',
    'a..b',
    '.x',
    'x/.y',
    'x.',
    'x.lock',
    'x.lock/y',
    'a/b.lock/c',
    '.lock',
    'a@{1}',
    '@{-1}',
    'x~1',
    'x^',
    'x:y',
    'x?',
    'x*',
    'x[',
    'x\\y',
    'a b',
    'a\tb',
    'a\nb',
    'del\x7f',
    'nul\0',
    'a'.repeat(256),
  ])('refuses %j', (name) => {
    expect(isValidRefName(name)).toBe(false);
  });
});

describe('isCommitSha', () => {
  it.each(['abc1234', 'ABCDEF0', '0123456789abcdef0123456789abcdef01234567', 'f'.repeat(64)])('accepts %s', (sha) => {
    expect(isCommitSha(sha)).toBe(true);
  });

  it.each(['abc123', 'g123456', 'f'.repeat(65), 'HEAD', 'main', ' abc1234', 'abc1234\n', ''])('refuses %j', (sha) => {
    expect(isCommitSha(sha)).toBe(false);
  });
});
