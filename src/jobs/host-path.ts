import { realpath, stat } from 'node:fs/promises';
import { isInside } from '../builds/checkout-file';
import { ValidationError } from '../errors';

/**
 * The real path of a host folder a job may use: it must resolve (links followed) to a directory
 * inside one of `roots` (also resolved), so a link cannot lead out of them.
 */
export async function allowedHostPath(path: string, roots: readonly string[], field: string): Promise<string> {
  if (roots.length === 0) throw new ValidationError(`${field}: host paths are not allowed here ([jobs] allowed_roots is empty); upload a tar instead`, field);
  const real = await realpath(path).catch(() => undefined);
  const info = real ? await stat(real).catch(() => undefined) : undefined;
  if (!real || !info?.isDirectory()) throw new ValidationError(`${field} is not a folder on the Berth host`, field);
  for (const root of roots) {
    const realRoot = await realpath(root).catch(() => undefined);
    if (realRoot && isInside(realRoot, real)) return real;
  }
  throw new ValidationError(`${field} is outside [jobs] allowed_roots`, field);
}
