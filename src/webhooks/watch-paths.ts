import { ValidationError } from '../errors';
import { WatchPattern, WatchPatternError, type StepCounter } from './watch-pattern';

/** At most this many watch paths per app, each at most this long: the work of a match grows with both. */
export const MAX_WATCH_PATHS = 64;
export const MAX_WATCH_PATH_LENGTH = 256;

/**
 * An app's watch paths: a push deploys only when a changed file is watched. Each file is checked
 * against every pattern and the last one that matches decides (`!` patterns un-watch), so unlike
 * git, `!docs/keep.md` does take a file back out of a directory that `docs/` matched.
 */
export class WatchPaths {
  private constructor(private readonly patterns: WatchPattern[]) {}

  /** Throws ValidationError naming the entry (`watch_paths[2]`) that is not a usable pattern. */
  static parse(patterns: readonly string[], field = 'watch_paths'): WatchPaths {
    if (patterns.length > MAX_WATCH_PATHS) throw new ValidationError(`at most ${MAX_WATCH_PATHS} watch paths`, field);
    const compiled = patterns.map((text, i) => {
      const at = `${field}[${i}]`;
      if (text.length > MAX_WATCH_PATH_LENGTH) throw new ValidationError(`a watch path has at most ${MAX_WATCH_PATH_LENGTH} characters`, at);
      if (/[\0\n\r]/.test(text)) throw new ValidationError('a watch path is one line without NUL characters', at);
      try {
        return new WatchPattern(text);
      } catch (err) {
        if (err instanceof WatchPatternError) throw new ValidationError(`${JSON.stringify(text)} ${err.message}`, at);
        throw err;
      }
    });
    if (compiled.length > 0 && compiled.every((p) => p.negated)) {
      throw new ValidationError('watch paths that only exclude ("!...") watch nothing: list what to watch first', field);
    }
    return new WatchPaths(compiled);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Whether a change to `path` (relative to the repository root) is watched. */
  watches(path: string, counter: StepCounter): boolean {
    let watched = false;
    for (const pattern of this.patterns) {
      // Only a pattern that could change the answer is run.
      if (pattern.negated === watched && pattern.matches(path, counter)) watched = !pattern.negated;
    }
    return watched;
  }
}
