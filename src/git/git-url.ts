import { isIP } from 'node:net';

/** A repository address, split so credentials never travel with the URL. */
export interface GitUrl {
  scheme: 'https' | 'http' | 'ssh' | 'git' | 'file';
  /** Host name or address, without brackets; '' for file URLs. */
  host: string;
  /** The URL to clone, without any user:password part. */
  url: string;
  /** Credentials found in the URL's user-info part, removed from `url`. */
  username?: string;
  password?: string;
}

const SCP_LIKE = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(?!\/\/)([A-Za-z0-9._~/-]+)$/;

/**
 * Parses and checks a git remote. Accepts https, http, ssh and git URLs, scp-like ssh
 * (`git@host:owner/repo.git`), and file URLs only when `allowFile` is set.
 * Returns an error message instead of throwing, for the caller to attach to its field.
 */
export function parseGitUrl(input: string, allowFile: boolean): GitUrl | string {
  if (input.length > 2048 || /[\s\0]/.test(input)) return 'must be a URL without spaces';
  // WHATWG URLs read `\` as `/`, curl (so git) does not: `http://a.test\@10.0.0.1/` is a.test to
  // the host guard and 10.0.0.1 to git.
  if (input.includes('\\')) return 'must not contain a backslash';
  if (input.startsWith('-')) return 'must not start with "-"';
  const scp = SCP_LIKE.exec(input);
  if (scp) {
    const hostProblem = checkHostName(scp[2] ?? '');
    return hostProblem ?? { scheme: 'ssh', host: scp[2] ?? '', url: input };
  }
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    return 'must be an https, http, ssh or git URL (or user@host:path)';
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme === 'file') {
    if (!allowFile) return 'file:// URLs are disabled; set [git] allow_file_urls = true to allow them';
    return { scheme: 'file', host: '', url: input };
  }
  if (scheme !== 'https' && scheme !== 'http' && scheme !== 'ssh' && scheme !== 'git') {
    return `scheme "${scheme}" is not allowed; use https, http, ssh or git`;
  }
  if (parsed.hostname === '') return 'must name a host';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const hostProblem = checkHostName(host);
  if (hostProblem) return hostProblem;
  if (scheme === 'ssh' && parsed.username.startsWith('-')) return 'user name must not start with "-"';
  const result: GitUrl = { scheme, host, url: input };
  if (parsed.username !== '' || parsed.password !== '') {
    if (scheme === 'https' || scheme === 'http') {
      try {
        result.username = decodeURIComponent(parsed.username);
        result.password = decodeURIComponent(parsed.password);
      } catch {
        return 'has a badly percent-encoded user name or password';
      }
      parsed.username = '';
      parsed.password = '';
      result.url = parsed.toString();
    } else if (parsed.password !== '') {
      return 'must not carry a password; use git_credentials';
    }
  }
  return result;
}

/**
 * Host names go to ssh, curl and the host guard: a leading "-" reads as an option, and ssh and git
 * URLs keep any percent-encoded text the URL parser let through. Only names and address literals.
 */
function checkHostName(host: string): string | undefined {
  if (host.startsWith('-')) return 'host must not start with "-"';
  if (isIP(host) === 0 && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(host)) return 'host must be a host name or an IP address';
  return undefined;
}

/**
 * Git's rules for branch and tag names (`git check-ref-format --branch`): no control
 * characters, spaces or `~^:?*[\`, no `..`, `@{`, `//`, no leading `-` or `/`, no trailing
 * `/`, `.` or `.lock`, no component starting with `.`.
 */
export function isValidRefName(name: string): boolean {
  if (name === '' || name === '@' || name.length > 255) return false;
  // eslint-disable-next-line no-control-regex -- git's ref rules refuse control characters
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}

/** A full or abbreviated commit SHA (SHA-1 or SHA-256). */
export function isCommitSha(value: string): boolean {
  return /^[0-9a-f]{7,64}$/i.test(value);
}
