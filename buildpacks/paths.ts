import { posix } from 'node:path';
import { PlanError } from './plan';

/**
 * Repository-relative paths as planners use them: '/'-separated, no `.` or `..` segments, no
 * trailing slash, '' for the root. Everything a build reads must come from the repository, so
 * absolute paths, home-relative paths and paths that climb out of the repository are refused.
 */
export function normaliseRelativePath(path: string, field: string): string {
  if (/[\0\n\r]/.test(path)) {
    throw new PlanError(`${field}: the path contains control characters`, 'invalid_repository', field);
  }
  if (isHostPath(path)) {
    throw new PlanError(`${field}: "${path}" must be relative to the repository`, 'invalid_repository', field);
  }
  const normal = posix.normalize(path === '' ? '.' : path).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) {
    throw new PlanError(`${field}: "${path}" points outside the repository`, 'invalid_repository', field);
  }
  return normal === '.' || normal === '' ? '' : normal;
}

/** Joins a relative path onto a repository-relative directory, with the same checks. */
export function joinRelativePath(base: string, path: string, field: string): string {
  if (isHostPath(path)) return normaliseRelativePath(path, field);
  return normaliseRelativePath(posix.join(base === '' ? '.' : base, path), field);
}

/** Directory of a repository-relative path ('' for files at the root). */
export function parentDirectory(path: string): string {
  const dir = posix.dirname(path);
  return dir === '.' ? '' : dir;
}

/** Absolute (POSIX or Windows drive) and home-relative paths name something on the host. */
export function isHostPath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('~') || /^[A-Za-z]:[\\/]/.test(path);
}
