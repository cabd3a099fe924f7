import { IgnorePattern, PatternSyntaxError, type StepCounter } from './ignore-pattern';

/** The longest line Docker reads from `.dockerignore` (Go's bufio.Scanner token limit). */
const MAX_LINE_BYTES = 64 * 1024;

/** A `.dockerignore` that Docker would refuse too; `line` is 1-based. */
export class IgnoreFileError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

interface Rule {
  pattern: IgnorePattern;
  exclusion: boolean;
}

/** Thrown by `match` once the matcher has spent more than its step limit. */
export class MatchLimitError extends Error {
  constructor(readonly limit: number) {
    super(`matching takes more than ${limit} steps`);
  }
}

/** Per-rule results for a directory, handed to its entries (moby's `MatchInfo`). */
export type ParentMatches = readonly boolean[];

/**
 * The rules of a `.dockerignore`, applied as the docker CLI applies them when it sends a build
 * context: the last matching rule wins, `!` rules make exceptions, and a rule that matches a
 * directory matches everything under it. Matching never throws and never backtracks.
 */
export class IgnoreMatcher implements StepCounter {
  /** Automaton steps spent so far, over every match. */
  steps = 0;
  private readonly rules: Rule[];

  private constructor(
    rules: Rule[],
    /** Steps after which `match` throws MatchLimitError (checked between rules). */
    private readonly limit: number,
  ) {
    this.rules = rules;
  }

  /** Parses a `.dockerignore`'s text; throws IgnoreFileError naming the line Docker would refuse. */
  static parse(text: string, limit = Infinity): IgnoreMatcher {
    const rules: Rule[] = [];
    for (const { line, pattern } of readIgnoreLines(text)) {
      try {
        const rule = newRule(pattern);
        if (rule) rules.push(rule);
      } catch (err) {
        if (err instanceof PatternSyntaxError) throw new IgnoreFileError(line, `${JSON.stringify(pattern)}: ${err.message}`);
        throw err;
      }
    }
    return new IgnoreMatcher(rules, limit);
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /**
   * Whether `path` (slash-separated, relative to the context) is excluded, given the results of
   * its directory (moby's `MatchesUsingParentResults`); `matches` goes to the path's own entries.
   */
  match(path: string, parent?: ParentMatches): { excluded: boolean; matches: boolean[] } {
    let excluded = false;
    const matches = new Array<boolean>(this.rules.length).fill(false);
    this.rules.forEach((rule, i) => {
      if (this.steps > this.limit) throw new MatchLimitError(this.limit);
      let match = parent?.[i] ?? false;
      if (!match) {
        // An include rule cannot change an excluded path, nor an exception an included one.
        if (rule.exclusion !== excluded) return;
        match = rule.pattern.matches(path, this);
        if (!match && parent === undefined) match = parentDirs(path).some((dir) => rule.pattern.matches(dir, this));
      }
      matches[i] = match;
      if (match) excluded = !rule.exclusion;
    });
    if (this.steps > this.limit) throw new MatchLimitError(this.limit);
    return { excluded, matches };
  }

  /**
   * Whether an excluded directory must still be walked: some exception names a path under it.
   * Docker checks the exception's text only, so `!**\/keep` does not reopen a directory.
   */
  reopens(dir: string): boolean {
    return this.rules.some((rule) => rule.exclusion && `${rule.pattern.cleaned}/`.startsWith(`${dir}/`));
  }
}

/** moby `ignorefile.ReadAll`: comments, whitespace, BOM, cleaned paths, leading `/` dropped. */
function* readIgnoreLines(text: string): Generator<{ line: number; pattern: string }> {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const [index, raw] of lines.entries()) {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (index === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (Buffer.byteLength(line) >= MAX_LINE_BYTES) throw new IgnoreFileError(index + 1, `longer than ${MAX_LINE_BYTES} bytes`);
    if (line.startsWith('#')) continue;
    let pattern = trimSpace(line);
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = trimSpace(pattern.slice(1));
    if (pattern !== '') {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    yield { line: index + 1, pattern: invert ? `!${pattern}` : pattern };
  }
}

/** moby `patternmatcher.New` for one pattern. */
function newRule(text: string): Rule | undefined {
  let pattern = trimSpace(text);
  if (pattern === '') return undefined;
  pattern = cleanPath(pattern);
  const exclusion = pattern.startsWith('!');
  if (exclusion) {
    if (pattern.length === 1) throw new PatternSyntaxError('an exception needs a pattern after "!"');
    pattern = pattern.slice(1);
  }
  return { pattern: new IgnorePattern(pattern), exclusion };
}

/** `a/b/c` → `a`, `a/b`: the directories holding a path. */
function parentDirs(path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** Go's `strings.TrimSpace`: Unicode white space, which is not quite JavaScript's `trim`. */
function trimSpace(s: string): string {
  return s.replace(
    /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g,
    '',
  );
}

/** Go's `path.Clean`: one slash between names, no `.`, `..` resolved lexically. */
export function cleanPath(path: string): string {
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') out.push(part);
    else if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (!rooted) out.push('..');
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined === '' ? '.' : joined;
}
