/**
 * One watch path: a gitignore(5) pattern, matched against a changed file's path (relative to
 * the repository root, `/`-separated). `*` and `?` never match `/`; `[...]` classes (`!` or `^`
 * negates) never match `/`; `\` escapes; a pattern without a `/` (a trailing one aside) matches at
 * any depth; `**` spans directories only as a whole segment (`**\/x`, `a/**`, `a/**\/b`), elsewhere
 * it is `*`; a trailing `/` matches directories only. A pattern that matches a directory matches
 * every file under it.
 *
 * No regular expression is built from the pattern: it compiles to the tokens of
 * src/glob/glob-automaton.ts, simulated state by state without backtracking.
 */

import { simulateGlob, type GlobDialect, type GlobToken, type StepCounter } from '../glob/glob-automaton';

export type { StepCounter };

/** gitignore: `**` runs may hold any character, no class matches `/`, a matching directory matches its files. */
const GITIGNORE: GlobDialect = { newlineInRuns: true, slashInClass: false, directoryMatches: true };

/** A pattern that gitignore would not match anything with, or that Berth does not read. */
export class WatchPatternError extends Error {}

export class WatchPattern {
  /** `!pattern`: a file this matches is not watched, even if an earlier pattern matched it. */
  readonly negated: boolean;
  private readonly directoryOnly: boolean;
  private readonly tokens: GlobToken[];

  constructor(readonly source: string) {
    let text = stripTrailingSpaces(source);
    if (text.startsWith('#')) throw new WatchPatternError('starts with "#", which makes it a comment (write "\\#" for a literal "#")');
    this.negated = text.startsWith('!');
    if (this.negated) text = text.slice(1);
    this.directoryOnly = text.endsWith('/');
    if (this.directoryOnly) text = text.slice(0, -1);
    const anchored = text.includes('/');
    if (text.startsWith('/')) text = text.slice(1);
    if (text === '') throw new WatchPatternError('names no path');
    this.tokens = anchored ? compile(text) : [{ kind: 'dirs' }, ...compile(text)];
  }

  /** Whether this pattern matches `path` itself or one of the directories holding it. */
  matches(path: string, counter: StepCounter): boolean {
    const { file, directory } = simulateGlob(this.tokens, path, GITIGNORE, counter);
    return directory || (file && !this.directoryOnly);
  }
}

/** Git drops trailing spaces unless the last one is escaped with `\`. */
function stripTrailingSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === ' ' && text[end - 2] !== '\\') end--;
  return text.slice(0, end);
}

function compile(pattern: string): GlobToken[] {
  const cs = Array.from(pattern);
  const tokens: GlobToken[] = [];
  let k = 0;
  while (k < cs.length) {
    const ch = cs[k] as string;
    const segmentStart = k === 0 || cs[k - 1] === '/';
    if (ch === '*') {
      let end = k;
      while (cs[end] === '*') end++;
      const whole = segmentStart && end - k === 2 && (end === cs.length || cs[end] === '/');
      if (whole && end === cs.length) tokens.push({ kind: 'any' });
      else if (whole) {
        // `**/**/` means what `**/` means.
        if (tokens[tokens.length - 1]?.kind !== 'dirs') tokens.push({ kind: 'dirs' });
        end++;
      } else tokens.push({ kind: 'star' });
      k = end;
    } else if (ch === '?') {
      tokens.push({ kind: 'one' });
      k++;
    } else if (ch === '[') {
      const parsed = parseClass(cs, k + 1);
      tokens.push(parsed.token);
      k = parsed.next;
    } else if (ch === '\\') {
      const escaped = cs[k + 1];
      if (escaped === undefined) throw new WatchPatternError('ends with a "\\" that escapes nothing');
      tokens.push({ kind: 'char', ch: escaped });
      k += 2;
    } else {
      tokens.push({ kind: 'char', ch });
      k++;
    }
  }
  return tokens;
}

/** A `[...]` class starting after its `[`, by git's wildmatch rules: `]` first is literal. */
function parseClass(cs: string[], start: number): { token: GlobToken; next: number } {
  let k = start;
  const negated = cs[k] === '!' || cs[k] === '^';
  if (negated) k++;
  const ranges: Array<[number, number]> = [];
  const charAt = (at: number): { cp: number; next: number } => {
    if (cs[at] === '[' && cs[at + 1] === ':') throw new WatchPatternError('character classes like "[:alpha:]" are not supported');
    const j = cs[at] === '\\' ? at + 1 : at;
    const ch = cs[j];
    if (ch === undefined) throw new WatchPatternError('has a "[" without its "]"');
    return { cp: ch.codePointAt(0) as number, next: j + 1 };
  };
  for (let first = true; ; first = false) {
    if (cs[k] === ']' && !first) return { token: { kind: 'class', negated, ranges }, next: k + 1 };
    const lo = charAt(k);
    let hi = lo;
    k = lo.next;
    if (cs[k] === '-' && cs[k + 1] !== ']' && cs[k + 1] !== undefined) {
      hi = charAt(k + 1);
      k = hi.next;
      if (hi.cp < lo.cp) throw new WatchPatternError(`has the reversed range "${String.fromCodePoint(lo.cp)}-${String.fromCodePoint(hi.cp)}"`);
    }
    ranges.push([lo.cp, hi.cp]);
  }
}
