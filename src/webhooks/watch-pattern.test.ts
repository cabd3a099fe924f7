import { WatchPattern, WatchPatternError } from './watch-pattern';

const matches = (pattern: string, path: string) => new WatchPattern(pattern).matches(path, { steps: 0 });

// Each row was checked against git 2.39: `.gitignore` holding the pattern, `git check-ignore --no-index -- PATH`.
const table: Array<[string, string, boolean]> = [
  ['docs', 'docs/a/b.md', true],
  ['docs', 'src/docs', true],
  ['docs', 'docsx/a', false],
  ['docs/', 'docs/a.md', true],
  ['docs/', 'docs', false],
  ['a/', 'x/a/y', true],
  ['x/a/', 'x/a', false],
  ['*.md', 'a/b/c.md', true],
  ['*.md', 'README.md', true],
  ['*.md', 'a.md/b', true],
  ['/a.md', 'x/a.md', false],
  ['/a.md', 'a.md', true],
  ['src/*.ts', 'src/a.ts', true],
  ['src/*.ts', 'src/a/b.ts', false],
  ['a/*', 'a/b/c', true],
  ['*', 'a/b', true],
  ['*/b', 'a/b', true],
  ['*/b', 'x/a/b', false],
  ['a?c', 'abc', true],
  ['a?c', 'a/c', false],
  ['a/**/b', 'a/b', true],
  ['a/**/b', 'a/x/y/b', true],
  ['a/**/b', 'xa/x/b', false],
  ['**/foo', 'x/foo/y', true],
  ['**/foo', 'foo', true],
  ['**/foo', 'xfoo', false],
  ['**', 'a/b', true],
  ['docs/**', 'docs', false],
  ['docs/**', 'docs/a', true],
  ['docs/**', 'docs/a/b/c', true],
  ['a/**b', 'a/xb', true],
  ['a/**b', 'a/x/b', false],
  ['***/b', 'a/b', true],
  ['a/***', 'a/b/c', true],
  ['[!a]b', 'cb', true],
  ['[!a]b', 'ab', false],
  ['[^a]b', 'cb', true],
  ['[]a]b', ']b', true],
  ['[a-]b', '-b', true],
  ['[a-c]x', 'bx', true],
  ['[a-c]x', 'dx', false],
  ['a[/]b', 'a/b', false],
  ['foo\\ ', 'foo ', true],
  ['foo  ', 'foo', true],
  ['\\#x', '#x', true],
  ['\\!x', '!x', true],
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['src/api', 'src/api/v1/app.ts', true],
  ['src/api', 'lib/src/api/x', false],
];

describe('WatchPattern', () => {
  it.each(table)('%j against %j is %s, as git decides', (pattern, path, expected) => {
    expect(matches(pattern, path)).toBe(expected);
  });

  it('reads "**" inside a name as "*", as gitignore(5) says (git 2.39 itself crosses directories after a literal prefix)', () => {
    expect(matches('a**/b', 'ax/b')).toBe(true);
    expect(matches('a**/b', 'ax/y/b')).toBe(false);
  });

  it('is negated by a leading "!" and still matches', () => {
    const pattern = new WatchPattern('!docs/');
    expect(pattern.negated).toBe(true);
    expect(pattern.matches('docs/a', { steps: 0 })).toBe(true);
  });

  it.each([
    ['#comment', 'comment'],
    ['', 'names no path'],
    ['   ', 'names no path'],
    ['/', 'names no path'],
    ['!', 'names no path'],
    ['a\\', 'escapes nothing'],
    ['a[bc', 'without its "]"'],
    ['[z-a]', 'reversed range'],
    ['[[:alpha:]]', 'not supported'],
  ])('refuses %j (%s)', (pattern, message) => {
    expect(() => new WatchPattern(pattern)).toThrow(WatchPatternError);
    expect(() => new WatchPattern(pattern)).toThrow(message);
  });

  it('stays linear on patterns that make a backtracking matcher explode', () => {
    // `*a*a*a...` against `aaaa...b`: a regex engine with backtracking takes exponential time here.
    const pattern = new WatchPattern(`${'*a'.repeat(60)}*c`);
    const path = `${'a'.repeat(200)}b`;
    const counter = { steps: 0 };
    expect(pattern.matches(path, counter)).toBe(false);
    const tokens = 2 * 60 + 3;
    expect(counter.steps).toBeLessThanOrEqual((tokens + 1) * 2 * (path.length + 1));
  });
});
