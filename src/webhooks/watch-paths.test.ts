import { ValidationError } from '../errors';
import { MAX_WATCH_PATHS, WatchPaths } from './watch-paths';

const watched = (patterns: string[], path: string) => WatchPaths.parse(patterns).watches(path, { steps: 0 });

describe('WatchPaths', () => {
  it('lets the last matching pattern decide', () => {
    const paths = ['src/', '!src/**/*.test.ts', 'src/critical.test.ts'];
    expect(watched(paths, 'src/app.ts')).toBe(true);
    expect(watched(paths, 'src/a/app.test.ts')).toBe(false);
    expect(watched(paths, 'src/critical.test.ts')).toBe(true);
    expect(watched(paths, 'README.md')).toBe(false);
  });

  it('un-watches a file under a watched directory, which git would not re-include', () => {
    expect(watched(['docs/', '!docs/CHANGELOG.md'], 'docs/CHANGELOG.md')).toBe(false);
    expect(watched(['docs/', '!docs/CHANGELOG.md'], 'docs/guide.md')).toBe(true);
  });

  it('watches nothing when it is empty', () => {
    const paths = WatchPaths.parse([]);
    expect(paths.empty).toBe(true);
    expect(paths.watches('anything', { steps: 0 })).toBe(false);
  });

  it.each([
    [['src/', 'a\\'], 'watch_paths[1]'],
    [['#only a comment'], 'watch_paths[0]'],
    [['src/\nlib/'], 'watch_paths[0]'],
    [['x'.repeat(257)], 'watch_paths[0]'],
    [Array.from({ length: MAX_WATCH_PATHS + 1 }, (_, i) => `dir${i}/`), 'watch_paths'],
    [['!docs/', '!*.md'], 'watch_paths'],
  ])('refuses %j naming %s', (patterns, field) => {
    let error: unknown;
    try {
      WatchPaths.parse(patterns);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
  });
});
