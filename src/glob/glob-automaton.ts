/**
 * The automaton both of Berth's glob dialects compile to: `.dockerignore` patterns
 * (src/engine/ignore-pattern.ts) and gitignore-style watch paths (src/webhooks/watch-pattern.ts).
 * No regular expression is built from a pattern: its tokens are simulated state by state, so one
 * match costs at most (tokens + 1) x 2 x (characters + 1) state visits, whatever the pattern.
 */

export type GlobToken =
  | { kind: 'char'; ch: string }
  /** `?`: one character other than `/`. */
  | { kind: 'one' }
  /** `*`: any run of characters without `/`. */
  | { kind: 'star' }
  /** A trailing `**`: any run of characters (without a newline unless the dialect allows it). */
  | { kind: 'any' }
  /** `**` followed by more: nothing, or any run ending in `/` (zero or more whole directories). */
  | { kind: 'dirs' }
  | { kind: 'class'; negated: boolean; ranges: Array<[number, number]> };

/** Counts automaton steps, so callers can bound the total work of many matches. */
export interface StepCounter {
  steps: number;
}

/** Where the two dialects differ. */
export interface GlobDialect {
  /** `any` and `dirs` runs may hold a newline (gitignore); Docker's regexes (`.`) may not. */
  newlineInRuns: boolean;
  /** A negated class may match `/` (Docker); in gitignore no class ever matches `/`. */
  slashInClass: boolean;
  /** Stop at the first `/` before which the whole pattern matched: that directory matches. */
  directoryMatches: boolean;
}

/**
 * Runs the tokens' automaton over `path`: `file` when the whole path is accepted, `directory`
 * (with `directoryMatches`) when the part before some `/` is. States 0..n are "before token i"
 * (n = accept); state n + 1 + i is "inside the group of the `dirs` token i". Each character visits
 * each state at most once, so there is nothing to backtrack.
 */
export function simulateGlob(tokens: readonly GlobToken[], path: string, dialect: GlobDialect, counter: StepCounter): { file: boolean; directory: boolean } {
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
      if (kind === 'star' || kind === 'any') stack.push(s + 1);
      else if (kind === 'dirs') stack.push(s + 1, n + 1 + s);
    }
  };
  add(current, 0);
  for (const ch of path) {
    if (dialect.directoryMatches && ch === '/' && current.includes(n)) return { file: false, directory: true };
    generation += 1;
    next.length = 0;
    const runs = ch !== '\n' || dialect.newlineInRuns;
    for (const s of current) {
      if (s > n) {
        if (runs) add(next, s);
        if (ch === '/') add(next, s - n);
        continue;
      }
      const token = tokens[s];
      if (token === undefined) continue;
      if (token.kind === 'star' || token.kind === 'any') {
        if (token.kind === 'star' ? ch !== '/' : runs) add(next, s);
      } else if (consumes(token, ch, dialect)) add(next, s + 1);
    }
    [current, next] = [next, current];
    if (current.length === 0) return { file: false, directory: false };
  }
  return { file: current.includes(n), directory: false };
}

function consumes(token: GlobToken, ch: string, dialect: GlobDialect): boolean {
  switch (token.kind) {
    case 'char':
      return token.ch === ch;
    case 'one':
      return ch !== '/';
    case 'class': {
      if (ch === '/' && !dialect.slashInClass) return false;
      const cp = ch.codePointAt(0) as number;
      return token.ranges.some(([lo, hi]) => lo <= cp && cp <= hi) !== token.negated;
    }
    default:
      return false;
  }
}
