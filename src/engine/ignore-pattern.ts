/**
 * One `.dockerignore` pattern, with the meaning Docker gives it (moby `patternmatcher`): `*` and
 * `?` never cross `/`, `**` spans any number of directories, `[...]` classes follow Go's
 * `filepath.Match` (ranges, `^` negation, `\` escapes), `\` escapes the next character, and every
 * other character (parentheses and `+` included) is literal.
 *
 * Docker compiles patterns to RE2 regular expressions, which never backtrack. This module matches
 * the same language by simulating the automaton directly: the work for one name is at most
 * (tokens + 1) x (characters + 1) state visits, whatever the pattern.
 */

type Token =
  | { kind: 'char'; ch: string }
  /** `?`: one character other than `/`. */
  | { kind: 'one' }
  /** `*`: any run of characters without `/`. */
  | { kind: 'star' }
  /** A trailing `**` after other characters: any run without a newline (Go's `.*`). */
  | { kind: 'any' }
  /** `**` followed by more: nothing, or any run ending in `/` (the optional group Docker compiles it into). */
  | { kind: 'dirs' }
  | { kind: 'class'; negated: boolean; ranges: Array<[number, number]> };

/** moby's fast paths decide some matches (and some quirks, like `**foo` matching `xfoo`). */
type MatchType = 'exact' | 'prefix' | 'suffix' | 'tokens';

/** A pattern Docker would refuse (Go's `filepath.ErrBadPattern`). */
export class PatternSyntaxError extends Error {}

/** Counts automaton steps, so callers can bound the total work of many matches. */
export interface StepCounter {
  steps: number;
}

export class IgnorePattern {
  readonly type: MatchType;
  private readonly tokens: Token[];

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
        return simulate(this.tokens, path, counter);
    }
  }
}

/** moby's `Pattern.compile`, producing tokens instead of a regular expression. */
function compile(pattern: string): { type: MatchType; tokens: Token[] } {
  const cs = Array.from(pattern);
  const tokens: Token[] = [];
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
function parseClass(cs: string[], start: number): { token: Token; next: number } {
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

/**
 * Runs the pattern's automaton over `path`. States 0..n are "before token i" (n = accept); state
 * n + 1 + i is "inside the group of a `dirs` token i". Each character visits each state at most
 * once, so there is nothing to backtrack.
 */
function simulate(tokens: Token[], path: string, counter: StepCounter): boolean {
  const n = tokens.length;
  const seen = new Int32Array(2 * n + 2).fill(-1);
  const stack: number[] = [];
  let generation = 0;
  let steps = 0;
  let current: number[] = [];
  let next: number[] = [];
  const add = (list: number[], state: number) => {
    // Epsilon moves: stars may match nothing, `dirs` may match nothing or start its group.
    stack.push(state);
    while (stack.length > 0) {
      const s = stack.pop() as number;
      if (seen[s] === generation) continue;
      seen[s] = generation;
      steps += 1;
      list.push(s);
      const kind = s < n ? tokens[s]?.kind : undefined;
      if (kind === 'star' || kind === 'any') stack.push(s + 1);
      else if (kind === 'dirs') stack.push(s + 1, n + 1 + s);
    }
  };
  add(current, 0);
  for (const ch of path) {
    generation += 1;
    next.length = 0;
    for (const s of current) {
      if (s > n) {
        if (ch !== '\n') add(next, s);
        if (ch === '/') add(next, s - n);
        continue;
      }
      const token = tokens[s];
      if (token === undefined) continue;
      if (token.kind === 'star' && ch !== '/') add(next, s);
      else if (token.kind === 'any' && ch !== '\n') add(next, s);
      else if (consumes(token, ch)) add(next, s + 1);
    }
    [current, next] = [next, current];
    if (current.length === 0) break;
  }
  counter.steps += steps;
  return current.includes(n);
}

function consumes(token: Token, ch: string): boolean {
  switch (token.kind) {
    case 'char':
      return token.ch === ch;
    case 'one':
      return ch !== '/';
    case 'class': {
      const cp = ch.codePointAt(0) as number;
      return token.ranges.some(([lo, hi]) => lo <= cp && cp <= hi) !== token.negated;
    }
    default:
      return false;
  }
}
