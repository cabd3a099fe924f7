import { RegistryError, type RegistryFailureCode } from '../errors';

/**
 * The registry host of an image reference, as the engines resolve it: the first path component
 * when it looks like a host (has `.` or `:`, or is `localhost`), else Docker Hub.
 */
export function registryHost(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = ref.slice(0, slash);
  return /[.:]/.test(first) || first === 'localhost' ? first.toLowerCase() : 'docker.io';
}

const RULES: Array<[RegExp, RegistryFailureCode, string]> = [
  [
    /unauthorized|authentication required|\b401\b|denied|incorrect username or password|no basic auth credentials/i,
    'registry_auth_failed',
    'refused the credentials (401)',
  ],
  [/manifest unknown|not found|\b404\b|name unknown|does not exist|no such/i, 'registry_not_found', 'has no such image (404)'],
  [
    /connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|server gave http response|\btls\b|x509|timeout|connection reset|\bEOF\b/i,
    'registry_unreachable',
    'cannot be reached',
  ],
];

/**
 * An engine's pull or push failure (its error message, Docker's and Podman's wording alike) as a
 * RegistryError naming the registry and the reason: auth, not found, unreachable, or other.
 */
export function registryFailure(ref: string, engineMessage: string): RegistryError {
  const registry = registryHost(ref);
  for (const [pattern, code, reason] of RULES) {
    if (pattern.test(engineMessage)) return new RegistryError(code, registry, `registry ${registry} ${reason} for ${ref}: ${oneLine(engineMessage)}`);
  }
  return new RegistryError('registry_error', registry, `registry ${registry} failed for ${ref}: ${oneLine(engineMessage)}`);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
