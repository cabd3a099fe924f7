/**
 * One watch path: a gitignore(5) pattern, matched against a changed file's path (relative to
 * the repository root, `/`-separated). `*` and `?` never match `/`; `[...]` classes (`!` or `^`
 * negates) never match `/`; `\` escapes; a pattern without a `/` (a trailing one aside) matches at
 * any depth; `**` spans directories only as a whole segment (`**\/x`, `a/**`, `a/**\/b`), elsewhere
 * it is `*`; a trailing `/` matches directories only. A pattern that matches a directory matches
 * every file under it.
 *
 * No regular expression is built from the pattern: it compiles to tokens whose automaton is
 * simulated state by state, so one match costs at most (tokens + 1) x 2 x (characters + 1) steps.
 */

type Token =
  | { kind: 'char'; ch: string }
  /** `?`: one character other than `/`. */
  | { kind: 'one' }
  /** `*`: any run of characters without `/`. */
  | { kind: 'star' }
  /** A trailing `/**`'s `**`: any run of characters. */
  | { kind: 'all' }
  /** `**\/`: nothing, or any run ending in `/` (zero or more whole directories). */
  | { kind: 'dirs' }
  | { kind: 'class'; negated: boolean; ranges: Array<[number, number]> };

/** A pattern that gitignore would not match anything with, or that Berth does not read. */
export class WatchPatternError extends Error {}

/** Counts automaton steps, so a caller can bound the work of many matches. */
export interface StepCounter {
  steps: number;
}

export class WatchPattern {
  /** `!pattern`: a file this matches is not watched, even if an earlier pattern matched it. */
  readonly negated: boolean;
  private readonly directoryOnly: boolean;
  private readonly tokens: Token[];

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
    const { file, directory } = simulate(this.tokens, path, counter);
    return directory || (file && !this.directoryOnly);
  }
}

/** Git drops trailing spaces unless the last one is escaped with `\`. */
function stripTrailingSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === ' ' && text[end - 2] !== '\\') end--;
  return text.slice(0, end);
}

function compile(pattern: string): Token[] {
  const cs = Array.from(pattern);
  const tokens: Token[] = [];
  let k = 0;
  while (k < cs.length) {
    const ch = cs[k] as string;
    const segmentStart = k === 0 || cs[k - 1] === '/';
    if (ch === '*') {
      let end = k;
      while (cs[end] === '*') end++;
      const whole = segmentStart && end - k === 2 && (end === cs.length || cs[end] === '/');
      if (whole && end === cs.length) tokens.push({ kind: 'all' });
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
function parseClass(cs: string[], start: number): { token: Token; next: number } {
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

/**
 * Runs the automaton over `path`: `file` when the whole path is accepted, `directory` when the
 * part before some `/` is. States 0..n are "before token i" (n = accept); state n + 1 + i is
 * "inside the group of the `dirs` token i". Each character visits each state at most once.
 */
function simulate(tokens: Token[], path: string, counter: StepCounter): { file: boolean; directory: boolean } {
  const n = tokens.length;
  const seen = new Int32Array(2 * n + 2).fill(-1);
  const stack: number[] = [];
  let generation = 0;
  let current: number[] = [];
  let next: number[] = [];
  const add = (list: number[], state: number) => {
    // Epsilon moves: stars may match nothing, `dirs` may match nothing or start its group.
    stack.push(state);
    while (stack.length > 0) {
      const s = stack.pop() as number;
      if (seen[s] === generation) continue;
      seen[s] = generation;
      counter.steps += 1;
      list.push(s);
      const kind = s < n ? tokens[s]?.kind : undefined;
      if (kind === 'star' || kind === 'all') stack.push(s + 1);
      else if (kind === 'dirs') stack.push(s + 1, n + 1 + s);
    }
  };
  add(current, 0);
  for (const ch of path) {
    if (ch === '/' && current.includes(n)) return { file: false, directory: true };
    generation += 1;
    next.length = 0;
    for (const s of current) {
      if (s > n) {
        add(next, s);
        if (ch === '/') add(next, s - n);
      } else if (s < n && consumes(tokens[s] as Token, ch)) add(next, tokens[s]?.kind === 'star' || tokens[s]?.kind === 'all' ? s : s + 1);
    }
    [current, next] = [next, current];
    if (current.length === 0) return { file: false, directory: false };
  }
  return { file: current.includes(n), directory: false };
}

function consumes(token: Token, ch: string): boolean {
  switch (token.kind) {
    case 'char':
      return token.ch === ch;
    case 'one':
    case 'star':
      return ch !== '/';
    case 'all':
      return true;
    case 'class': {
      if (ch === '/') return false;
      const cp = ch.codePointAt(0) as number;
      return token.ranges.some(([lo, hi]) => lo <= cp && cp <= hi) !== token.negated;
    }
    default:
      return false;
  }
}
