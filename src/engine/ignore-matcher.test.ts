import { IgnoreFileError, IgnoreMatcher, MatchLimitError, cleanPath, type ParentMatches } from './ignore-matcher';

/** moby's MatchesOrParentMatches: the path alone, its directories checked on the spot. */
function excluded(patterns: string[], path: string): boolean {
  return IgnoreMatcher.parse(patterns.join('\n')).match(path).excluded;
}

/** moby's MatchesUsingParentResults, as a walk from the root hands results down. */
function excludedByWalk(patterns: string[], path: string): boolean {
  const matcher = IgnoreMatcher.parse(patterns.join('\n'));
  const parts = path.split('/');
  let parent: ParentMatches | undefined;
  for (let i = 1; i < parts.length; i++) parent = matcher.match(parts.slice(0, i).join('/'), parent).matches;
  return matcher.match(path, parent).excluded;
}

// moby/patternmatcher's TestMatches table (patternmatcher_test.go).
const single: Array<[string, string, boolean]> = [
  ['**', 'file', true],
  ['**', 'file/', true],
  ['**/', 'file', true],
  ['**/', 'file/', true],
  ['**', '/', true],
  ['**/', '/', true],
  ['**', 'dir/file', true],
  ['**/', 'dir/file', true],
  ['**', 'dir/file/', true],
  ['**/', 'dir/file/', true],
  ['**/**', 'dir/file', true],
  ['**/**', 'dir/file/', true],
  ['dir/**', 'dir/file', true],
  ['dir/**', 'dir/file/', true],
  ['dir/**', 'dir/dir2/file', true],
  ['dir/**', 'dir/dir2/file/', true],
  ['**/dir', 'dir', true],
  ['**/dir', 'dir/file', true],
  ['**/dir2/*', 'dir/dir2/file', true],
  ['**/dir2/*', 'dir/dir2/file/', true],
  ['**/dir2/**', 'dir/dir2/dir3/file', true],
  ['**/dir2/**', 'dir/dir2/dir3/file/', true],
  ['**file', 'file', true],
  ['**file', 'dir/file', true],
  ['**/file', 'dir/file', true],
  ['**file', 'dir/dir/file', true],
  ['**/file', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file.txt', true],
  ['**/file*txt', 'dir/dir/file.txt', true],
  ['**/file*.txt', 'dir/dir/file.txt', true],
  ['**/file*.txt*', 'dir/dir/file.txt', true],
  ['**/**/*.txt', 'dir/dir/file.txt', true],
  ['**/**/*.txt2', 'dir/dir/file.txt', false],
  ['**/*.txt', 'file.txt', true],
  ['**/**/*.txt', 'file.txt', true],
  ['a**/*.txt', 'a/file.txt', true],
  ['a**/*.txt', 'a/dir/file.txt', true],
  ['a**/*.txt', 'a/dir/dir/file.txt', true],
  ['a/*.txt', 'a/dir/file.txt', false],
  ['a/*.txt', 'a/file.txt', true],
  ['a/*.txt**', 'a/file.txt', true],
  ['a[b-d]e', 'ae', false],
  ['a[b-d]e', 'ace', true],
  ['a[b-d]e', 'aae', false],
  ['a[^b-d]e', 'aze', true],
  ['.*', '.foo', true],
  ['.*', 'foo', false],
  ['abc.def', 'abcdef', false],
  ['abc.def', 'abc.def', true],
  ['abc.def', 'abcZdef', false],
  ['abc?def', 'abcZdef', true],
  ['abc?def', 'abcdef', false],
  ['a\\\\', 'a\\', true],
  ['**/foo/bar', 'foo/bar', true],
  ['**/foo/bar', 'dir/foo/bar', true],
  ['**/foo/bar', 'dir/dir2/foo/bar', true],
  ['abc/**', 'abc', false],
  ['abc/**', 'abc/def', true],
  ['abc/**', 'abc/def/ghi', true],
  ['**/.foo', '.foo', true],
  ['**/.foo', 'bar.foo', false],
  ['a(b)c/def', 'a(b)c/def', true],
  ['a(b)c/def', 'a(b)c/xyz', false],
  ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
  ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ['a\\*b', 'a*b', true],
  // Go's filepath.Match table, as moby runs it (parent directories match their entries).
  ['abc', 'abc', true],
  ['*', 'abc', true],
  ['*c', 'abc', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['a*', 'ab/c', true],
  ['a*/b', 'abc/b', true],
  ['a*/b', 'a/c/b', false],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
  ['a*b?c*x', 'abxbbxdbxebxczzx', true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false],
  ['ab[c]', 'abc', true],
  ['ab[b-d]', 'abc', true],
  ['ab[e-g]', 'abc', false],
  ['ab[^c]', 'abc', false],
  ['ab[^b-d]', 'abc', false],
  ['ab[^e-g]', 'abc', true],
  ['a\\*b', 'ab', false],
  ['a?b', 'a☺b', true],
  ['a[^a]b', 'a☺b', true],
  ['a???b', 'a☺b', false],
  ['a[^a][^a][^a]b', 'a☺b', false],
  ['[a-ζ]*', 'α', true],
  ['*[a-ζ]', 'A', false],
  ['a?b', 'a/b', false],
  ['a*b', 'a/b', false],
  ['[\\]a]', ']', true],
  ['[\\-]', '-', true],
  ['[x\\-]', 'x', true],
  ['[x\\-]', '-', true],
  ['[x\\-]', 'z', false],
  ['[\\-x]', 'x', true],
  ['[\\-x]', '-', true],
  ['[\\-x]', 'a', false],
  ['*x', 'xxx', true],
  // What regular-expression translations get wrong: these characters are literal.
  ['(a+)+b', '(a+)+b', true],
  ['(a+)+b', 'aaab', false],
  ['a|b', 'a', false],
  ['x{2}', 'xx', false],
  ['^a$', '^a$', true],
  // Paths are cleaned and a leading "/" dropped.
  ['/secrets/', 'secrets/key', true],
  ['./a/../b', 'b', true],
  ['a//b', 'a/b', true],
];

const multiple: Array<[string[], string, boolean]> = [
  [['**', '!util/docker/web'], 'util/docker/web/foo', false],
  [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', true],
  [['**', '!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
  [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
  [['!fileutils.go', '*.go'], 'fileutils.go', true],
  [['*.go', '!fileutils.go'], 'fileutils.go', false],
  [['docs', '!docs/README.md'], 'docs/README.md', false],
  [['docs/', '!docs/README.md'], 'docs/README.md', false],
  [['docs/*', '!docs/README.md'], 'docs/README.md', false],
  [['*.log', '!keep.log', 'keep*'], 'keep.log', true],
  [[], '/any/path/there', false],
];

describe('IgnoreMatcher', () => {
  it.each(single)('%s against %s: %s', (pattern, path, expected) => {
    expect(excluded([pattern], path)).toBe(expected);
    expect(excludedByWalk([pattern], path)).toBe(expected);
  });

  it.each(multiple)('%j against %s: %s', (patterns, path, expected) => {
    expect(excluded(patterns, path)).toBe(expected);
    expect(excludedByWalk(patterns, path)).toBe(expected);
  });

  it('reads the file as docker does: comments, blank lines, BOM, CRLF, "!" with spaces', () => {
    const text = '\uFEFFtest1\r\n/test2\n/a/file/here\n\n# a comment\n  # not a comment\n! /inverted/abs/path\n';
    const matcher = IgnoreMatcher.parse(text);
    expect(matcher.match('test1').excluded).toBe(true);
    expect(matcher.match('test2').excluded).toBe(true);
    expect(matcher.match('a/file/here').excluded).toBe(true);
    expect(matcher.match('# a comment').excluded).toBe(false);
    expect(matcher.match('# not a comment').excluded).toBe(true);
    expect(IgnoreMatcher.parse('# only a comment\n\n  \n').empty).toBe(true);
  });

  it.each([
    ['[', 1],
    ['ok\n[^', 2],
    ['a\n\n[^bc', 3],
    ['a[', 1],
    ['[]a]', 1],
    ['[-]', 1],
    ['[x-]', 1],
    ['[-x]', 1],
    ['\\', 1],
    ['[a-b-c]', 1],
    ['[z-a]', 1],
    ['[Local-Only]/', 1],
    ['!', 1],
    ['x\n! ', 2],
  ])('refuses %j, naming line %i', (text, line) => {
    let thrown: unknown;
    try {
      IgnoreMatcher.parse(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(IgnoreFileError);
    expect(thrown).toMatchObject({ line, message: expect.stringMatching(new RegExp(`^line ${line}: `)) });
  });

  it('refuses a line longer than docker reads', () => {
    expect(() => IgnoreMatcher.parse(`a\n${'x'.repeat(64 * 1024)}\n`)).toThrow(/^line 2: longer than 65536 bytes/);
  });

  it('matches patterns that backtracking matchers take minutes on, in steps proportional to pattern x name', () => {
    const cases: Array<[string, string]> = [
      ['(a+)+b', 'a'.repeat(5000)],
      ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)],
      ['**/*a*a*a*a*a*a*b', `${'a/'.repeat(1000)}${'a'.repeat(3000)}`],
      [`${'a*'.repeat(200)}b`, 'a'.repeat(4000)],
      [`${'**/a'.repeat(100)}b`, 'a/'.repeat(2000)],
    ];
    for (const [pattern, name] of cases) {
      const matcher = IgnoreMatcher.parse(pattern);
      // With its directory's results, as a walk hands them down, a name is matched once per rule.
      expect(matcher.match(name, [false]).excluded).toBe(false);
      // Each character visits each automaton state at most once (two states per pattern character at most).
      const bound = (2 * Array.from(pattern).length + 2) * (Array.from(name).length + 1) + 1;
      expect(matcher.steps).toBeLessThanOrEqual(bound);
    }
  });

  it('spends twice the steps on a name twice as long, not exponentially more', () => {
    const steps = (length: number) => {
      const matcher = IgnoreMatcher.parse('*a*a*a*a*a*a*a*a*b');
      matcher.match('a'.repeat(length), [false]);
      return matcher.steps;
    };
    expect(steps(2000) / steps(1000)).toBeLessThan(2.1);
  });

  it('stops, between rules, once it has spent more steps than its limit', () => {
    const first = IgnoreMatcher.parse('*a*a*a*b\n');
    first.match('a'.repeat(100), []);
    const matcher = IgnoreMatcher.parse('*a*a*a*b\n*a*a*a*c\n', 50);
    expect(() => matcher.match('a'.repeat(100), [])).toThrow(MatchLimitError);
    expect(matcher.steps).toBe(first.steps);
    // `**/` repeated is one `**/`: it costs no more than once.
    const repeated = IgnoreMatcher.parse(`${'**/'.repeat(10_000)}x`);
    expect(repeated.match('a/b/x', []).excluded).toBe(true);
    expect(repeated.steps).toBeLessThan(100);
  });

  it('reopens an excluded directory only for exceptions written under it', () => {
    const matcher = IgnoreMatcher.parse('docs\n!docs/README.md\n!**/keep\n');
    expect(matcher.reopens('docs')).toBe(true);
    expect(matcher.reopens('doc')).toBe(false);
    expect(matcher.reopens('other')).toBe(false);
  });
});

describe('cleanPath', () => {
  it.each([
    ['', '.'],
    ['a/b/', 'a/b'],
    ['a//b/./c', 'a/b/c'],
    ['a/../..', '..'],
    ['/../a', '/a'],
    ['/', '/'],
    ['./', '.'],
  ])('%j → %j', (input, output) => {
    expect(cleanPath(input)).toBe(output);
  });
});
