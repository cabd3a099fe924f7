import type { PlanRequest } from '../../buildpacks/plan';
import type { GitCredentials } from '../git/git.port';

/**
 * Values shorter than this are not hidden: a value such as "1" or "on" would blank out half the
 * log while hiding nothing anyone could not guess.
 */
export const MIN_REDACTED_LENGTH = 4;
export const REDACTED = '***';

/**
 * Hides known secret values in log text. Besides the value itself it hides the forms a tool
 * prints it in (each line of a multi-line value, percent-encoded, JSON-escaped), wherever they
 * stand in a line. A line cut in the middle of a value (long lines are split before they are
 * stored) leaves a piece of the value at its end and the rest at the start of the next line:
 * pieces of at least MIN_REDACTED_LENGTH characters at either edge of a line, and lines that are
 * all a piece of a value, are hidden too.
 */
export class LogRedactor {
  private readonly forms = new Set<string>();
  private pattern: RegExp | undefined;
  /** Per form, KMP failure tables of the form and of its reverse, for the edge pieces. */
  private edges: Array<{ form: string; reversed: string; prefix: number[]; suffix: number[] }> = [];
  /** Every MIN_REDACTED_LENGTH-character piece of every form: an edge piece starts and ends with one. */
  private pieces = new Set<string>();

  constructor(values: Iterable<string | undefined> = []) {
    this.hide(values);
  }

  /** Adds values to hide from now on (e.g. credentials, once the worker has them). */
  hide(values: Iterable<string | undefined>): void {
    const before = this.forms.size;
    for (const value of values) {
      if (value !== undefined) for (const form of formsOf(value)) this.forms.add(form);
    }
    if (this.forms.size === before) return;
    // Longest first, so a value containing another is hidden whole.
    const sorted = [...this.forms].sort((a, b) => b.length - a.length);
    this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    this.pieces = new Set(sorted.flatMap(piecesOf));
    this.edges = sorted.map((form) => {
      // Reversed by UTF-16 unit, as the text is indexed.
      const reversed = form.split('').reverse().join('');
      return { form, reversed, prefix: failureTable(form), suffix: failureTable(reversed) };
    });
  }

  redact(text: string): string {
    if (this.pattern === undefined) return text;
    const whole = text.replace(this.pattern, REDACTED);
    return this.redactEdges(whole);
  }

  /**
   * Hides the longest piece at the end that starts a value, and at the start that ends one; a
   * line that is all inside a value (the middle of a value longer than a line) goes whole.
   */
  private redactEdges(text: string): string {
    // Most lines neither start nor end with a piece of a value: one look-up each rules that out.
    const maybeHead = this.pieces.has(text.slice(0, MIN_REDACTED_LENGTH));
    const maybeTail = this.pieces.has(text.slice(-MIN_REDACTED_LENGTH));
    if (!maybeHead && !maybeTail) return text;
    let head = 0;
    let tail = 0;
    for (const { form, reversed, prefix, suffix } of this.edges) {
      if (text.length >= MIN_REDACTED_LENGTH && text.length < form.length && form.includes(text)) return REDACTED;
      tail = Math.max(tail, overlap(form, prefix, text, text.length - 1, -1));
      head = Math.max(head, overlap(reversed, suffix, text, 0, 1));
    }
    if (head < MIN_REDACTED_LENGTH) head = 0;
    if (tail < MIN_REDACTED_LENGTH) tail = 0;
    if (head === 0 && tail === 0) return text;
    if (head + tail >= text.length) return REDACTED;
    return `${head > 0 ? REDACTED : ''}${text.slice(head, text.length - tail)}${tail > 0 ? REDACTED : ''}`;
  }
}

/** The values of a build request that are secret: the `env` and the Dockerfile build args. */
export function requestSecrets(plan: PlanRequest): string[] {
  return [...Object.values(plan.env), ...Object.values(plan.dockerfile?.buildArgs ?? {})];
}

/** The secret parts of git credentials, with the Basic header git is given (see the git client). */
export function credentialSecrets(credentials: GitCredentials | undefined): string[] {
  if (credentials === undefined) return [];
  const { username, token, sshKey } = credentials;
  const basic = token ? Buffer.from(`${username ?? 'x-access-token'}:${token}`).toString('base64') : undefined;
  return [token, sshKey, basic].filter((value): value is string => value !== undefined);
}

/** The value and the ways it is printed, each a single line of meaningful length. */
function formsOf(value: string): string[] {
  const lines = value.split(/\r?\n|\r/).map((line) => line.trim());
  const forms = [...lines, value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
  return forms.filter((form) => form.length >= MIN_REDACTED_LENGTH && !/[\r\n]/.test(form));
}

function piecesOf(form: string): string[] {
  return Array.from({ length: form.length - MIN_REDACTED_LENGTH + 1 }, (_, i) => form.slice(i, i + MIN_REDACTED_LENGTH));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Knuth-Morris-Pratt failure table: for each i, the longest proper border of pattern[0..i]. */
function failureTable(pattern: string): number[] {
  const table = new Array<number>(pattern.length).fill(0);
  for (let i = 1, k = 0; i < pattern.length; i++) {
    while (k > 0 && pattern[i] !== pattern[k]) k = table[k - 1] ?? 0;
    if (pattern[i] === pattern[k]) k++;
    table[i] = k;
  }
  return table;
}

/**
 * Reads `text` from `from` towards one edge (`step` -1: backwards from the end, 1: forwards from
 * the start) for at most pattern.length - 1 characters, then walks the other way with the KMP
 * automaton: the result is the length of the longest piece at that edge which is a proper prefix
 * of `pattern`. Linear in the pattern's length; `pattern` is the form reversed for the start edge.
 */
function overlap(pattern: string, table: number[], text: string, from: number, step: 1 | -1): number {
  const span = Math.min(pattern.length - 1, text.length);
  if (span < MIN_REDACTED_LENGTH) return 0;
  // For the end edge the piece is read left to right, starting `span` characters before the end.
  const start = step === -1 ? from - span + 1 : from + span - 1;
  const dir = step === -1 ? 1 : -1;
  let k = 0;
  for (let n = 0, i = start; n < span; n++, i += dir) {
    const char = text[i];
    while (k > 0 && char !== pattern[k]) k = table[k - 1] ?? 0;
    if (char === pattern[k]) k++;
    if (k === pattern.length) k = table[k - 1] ?? 0;
  }
  return k;
}
