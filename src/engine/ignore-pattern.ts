/**
 * One `.dockerignore` pattern, with the meaning Docker gives it (moby `patternmatcher`): `*` and
 * `?` never cross `/`, `**` spans any number of directories, `[...]` classes follow Go's
 * `filepath.Match` (ranges, `^` negation, `\` escapes), `\` escapes the next character, and every
 * other character (parentheses and `+` included) is literal.
 *
 * Docker compiles patterns to RE2 regular expressions, which never backtrack. This module matches
 * the same language with the automaton of src/glob/glob-automaton.ts, which never backtracks either.
 */

import { simulateGlob, type GlobDialect, type GlobToken, type StepCounter } from '../glob/glob-automaton';

export type { StepCounter };

/** Docker's regexes: `.` never matches a newline, and a negated class may match `/`. */
const DOCKER: GlobDialect = { newlineInRuns: false, slashInClass: true, directoryMatches: false };

/** moby's fast paths decide some matches (and some quirks, like `**foo` matching `xfoo`). */
type MatchType = 'exact' | 'prefix' | 'suffix' | 'tokens';

/** A pattern Docker would refuse (Go's `filepath.ErrBadPattern`). */
export class PatternSyntaxError extends Error {}

export class IgnorePattern {
  readonly type: MatchType;
  private readonly tokens: GlobToken[];

  /** `cleaned` is the pattern after `filepath.Clean`, without its `!`. */
  constructor(readonly cleaned: string) {
    const { type, tokens } = compile(cleaned);
    this.type = type;
    this.tokens = tokens;
  }

  matches(path: string, counter: StepCounter): boolean {
    counter.steps += 1;
    switch (this.type) {
      case 'exact':
        return path === this.cleaned;
      case 'prefix':
        return path.startsWith(this.cleaned.slice(0, -2));
      case 'suffix': {
        const suffix = this.cleaned.slice(2);
        return path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
      }
      default:
        return simulateGlob(this.tokens, path, DOCKER, counter).file;
    }
  }
}

/** moby's `Pattern.compile`, producing tokens instead of a regular expression. */
function compile(pattern: string): { type: MatchType; tokens: GlobToken[] } {
  const cs = Array.from(pattern);
  const tokens: GlobToken[] = [];
  let type: MatchType = 'exact';
  let k = 0;
  for (let i = 0; k < cs.length; i++) {
    const ch = cs[k++] as string;
    if (ch === '*' && cs[k] === '*') {
      k++;
      if (cs[k] === '/') k++;
      if (k === cs.length) {
        if (type === 'exact') type = 'prefix';
        else {
          tokens.push({ kind: 'any' });
          type = 'tokens';
        }
      } else {
        // `**/**/` means what `**/` means; merging them keeps `**/` repeated 10,000 times cheap.
        if (tokens[tokens.length - 1]?.kind !== 'dirs') tokens.push({ kind: 'dirs' });
        type = 'tokens';
      }
      if (i === 0) type = 'suffix';
    } else if (ch === '*' || ch === '?') {
      tokens.push({ kind: ch === '*' ? 'star' : 'one' });
      type = 'tokens';
    } else if (ch === '\\') {
      if (k === cs.length) throw new PatternSyntaxError('a trailing "\\" escapes nothing');
      tokens.push({ kind: 'char', ch: cs[k++] as string });
      type = 'tokens';
    } else if (ch === '[') {
      const parsed = parseClass(cs, k);
      tokens.push(parsed.token);
      k = parsed.next;
      type = 'tokens';
    } else {
      tokens.push({ kind: 'char', ch });
      if (ch === ']') type = 'tokens';
    }
  }
  return { type, tokens };
}

/** A `[...]` class starting after its `[`, by `filepath.Match`'s rules. */
function parseClass(cs: string[], start: number): { token: GlobToken; next: number } {
  let k = start;
  const negated = cs[k] === '^';
  if (negated) k++;
  const ranges: Array<[number, number]> = [];
  const endOf = (at: number): { cp: number; next: number } => {
    let j = at;
    const first = cs[j];
    if (first === undefined || first === '-' || first === ']')
      throw new PatternSyntaxError(first === undefined ? 'unterminated "["' : `"${first}" where a character class needs a character`);
    if (first === '\\') j++;
    const ch = cs[j];
    if (ch === undefined) throw new PatternSyntaxError('unterminated "["');
    if (j + 1 >= cs.length) throw new PatternSyntaxError('unterminated "["');
    return { cp: ch.codePointAt(0) as number, next: j + 1 };
  };
  for (;;) {
    if (cs[k] === ']' && ranges.length > 0) return { token: { kind: 'class', negated, ranges }, next: k + 1 };
    const lo = endOf(k);
    let hi = lo;
    k = lo.next;
    if (cs[k] === '-') {
      hi = endOf(k + 1);
      k = hi.next;
      // Go's filepath.Match accepts it, but the regular expression Docker compiles from it fails.
      if (hi.cp < lo.cp) throw new PatternSyntaxError(`the range "${String.fromCodePoint(lo.cp)}-${String.fromCodePoint(hi.cp)}" is reversed`);
    }
    ranges.push([lo.cp, hi.cp]);
  }
}
