/**
 * How Compose reads scalar values, for the host-access policy. Compose interpolates `$VAR`,
 * `${VAR}` and `${VAR:-default}` from an environment the planner cannot see, and casts strings
 * such as "yes" or "on" to booleans, so the policy must treat `network_mode: ${MODE:-host}` and
 * `privileged: "yes"` as what they may become.
 */

/** Strings Compose casts to true (compose-go's toBoolean, case-insensitive). */
const TRUE_WORDS = ['true', 'yes', 'y', 'on'];

/** True when Compose would interpolate something into the value (`$$` is a literal `$`). */
export function hasVariable(value: string): boolean {
  return /\$(?!\$)/.test(value.replace(/\$\$/g, ''));
}

/** A boolean setting that is, or may become, true. */
export function mayBeTrue(value: unknown): boolean {
  if (value === true) return true;
  if (typeof value !== 'string') return false;
  return TRUE_WORDS.includes(value.trim().toLowerCase()) || hasVariable(value);
}

/**
 * Whether the value may equal `wanted` once interpolated: each variable may expand to any text,
 * the rest must match literally. `${NET:-host}`, `ho${X}` and `$NET` may all be `host`.
 */
export function mayExpandTo(value: string, wanted: string): boolean {
  return new RegExp(`^${templatePattern(value)}$`, 's').test(wanted);
}

/** The value as a regular expression: literal text escaped, every variable `.*`. */
function templatePattern(value: string): string {
  let pattern = '';
  let index = 0;
  while (index < value.length) {
    const char = value.charAt(index);
    if (char === '$' && value.charAt(index + 1) === '$') {
      pattern += '\\$';
      index += 2;
    } else if (char === '$') {
      pattern += '.*';
      index = variableEnd(value, index + 1);
    } else {
      pattern += char.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
      index += 1;
    }
  }
  return pattern;
}

/** Index just past a variable whose `$` is at `start - 1`: `${...}` (possibly nested) or `$NAME`. */
function variableEnd(value: string, start: number): number {
  if (value.charAt(start) !== '{') {
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(start));
    return start + (name?.[0].length ?? 0);
  }
  let depth = 0;
  for (let index = start; index < value.length; index += 1) {
    if (value.charAt(index) === '{') depth += 1;
    if (value.charAt(index) === '}') depth -= 1;
    if (depth === 0) return index + 1;
  }
  return value.length;
}
