/**
 * Package names as Debian and pip define them, so that a recipe's `apt_install` and `pip_install`
 * entries are names (and versions), never options, paths, URLs or shell text.
 */

/** Debian Policy 5.6.1: lower case, digits, `+ - .`, at least two characters, starting alphanumeric. */
const DEBIAN_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const DEBIAN_REVISION = /^[A-Za-z0-9+.~]+$/;
/** PEP 508 names (PEP 503 normalises them; the grammar is the same). */
const PIP_NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;
/** PEP 440 versions, in the permissive form of its appendix. */
const PEP440 =
  /^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?(?:[-_.]?dev[-_.]?[0-9]*)?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/i;
/** One version clause: operator, then a version; `==` and `!=` may end in `.*` (PEP 440 prefix match). */
const CLAUSE = /^(===|==|!=|~=|<=|>=|<|>)(.+)$/;
const MAX_LENGTH = 200;

/** Debian Policy 5.6.12: `[epoch:]upstream_version[-debian_revision]`. */
export function isDebianVersion(version: string): boolean {
  let rest = version;
  const epoch = /^([0-9]+):(.*)$/.exec(version);
  if (epoch) rest = epoch[2] ?? '';
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  if (dash >= 0 && !DEBIAN_REVISION.test(rest.slice(dash + 1))) return false;
  // A hyphen only with a revision, a colon only with an epoch: otherwise they would be ambiguous.
  const extra = `${dash >= 0 ? '\\-' : ''}${epoch ? ':' : ''}`;
  return new RegExp(`^[0-9][A-Za-z0-9.+~${extra}]*$`).test(upstream);
}

/** Why `entry` is not `name` or `name=version` for apt, or undefined when it is. */
export function debianPackageProblem(entry: string): string | undefined {
  if (typeof entry !== 'string' || entry.length === 0 || entry.length > MAX_LENGTH) return `must be a package name of 2 to ${MAX_LENGTH} characters`;
  const at = entry.indexOf('=');
  const name = at >= 0 ? entry.slice(0, at) : entry;
  if (!DEBIAN_NAME.test(name)) {
    return `${JSON.stringify(name)} is not a Debian package name (lower-case letters, digits, "+", "-" and ".", at least two characters, starting with a letter or digit)`;
  }
  if (at >= 0 && !isDebianVersion(entry.slice(at + 1))) {
    return `${JSON.stringify(entry.slice(at + 1))} is not a Debian version ([epoch:]upstream[-revision], upstream starting with a digit)`;
  }
  return undefined;
}

/** Why `entry` is not a pip requirement `name[extras]` with optional PEP 440 specifiers, or undefined. */
export function pipRequirementProblem(entry: string): string | undefined {
  if (typeof entry !== 'string' || entry.length === 0 || entry.length > MAX_LENGTH) return `must be a package name of 1 to ${MAX_LENGTH} characters`;
  const match = /^([^[<>=!~]*)(?:\[([^\]]*)\])?(.*)$/.exec(entry);
  const [, name = '', extras, specifiers = ''] = match ?? [];
  if (!PIP_NAME.test(name)) {
    return `${JSON.stringify(name)} is not a pip package name (letters, digits, ".", "_" and "-", starting and ending with a letter or digit); URLs, paths, options and spaces are not accepted`;
  }
  if (extras !== undefined && !extras.split(',').every((extra) => PIP_NAME.test(extra))) {
    return `extras ${JSON.stringify(`[${extras}]`)} must be package-style names separated by commas`;
  }
  if (specifiers === '') return undefined;
  for (const clause of specifiers.split(',')) {
    const problem = clauseProblem(clause);
    if (problem) return problem;
  }
  return undefined;
}

function clauseProblem(clause: string): string | undefined {
  const parts = CLAUSE.exec(clause);
  if (!parts) return `${JSON.stringify(clause)} is not a version specifier (==, !=, ~=, <=, >=, <, >, === followed by a version, separated by commas)`;
  const [, operator = '', version = ''] = parts;
  const wildcard = (operator === '==' || operator === '!=') && version.endsWith('.*');
  if (!PEP440.test(wildcard ? version.slice(0, -2) : version)) return `${JSON.stringify(version)} is not a PEP 440 version`;
  return undefined;
}
