import { lstatSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Workspace } from '../../buildpacks/plan';

const MAX_READ_BYTES = 1024 * 1024;

/**
 * Workspace over a checked-out directory. Paths that leave the root, also through symlinks
 * (a repository may hold `Dockerfile -> /etc/shadow`), read as absent.
 */
export class FsWorkspace implements Workspace {
  private readonly root: string;

  constructor(root: string) {
    this.root = realpathSync(root);
  }

  readFile(path: string): string | undefined {
    const full = this.resolve(path);
    if (!full) return undefined;
    try {
      const stat = statSync(full);
      if (!stat.isFile() || stat.size > MAX_READ_BYTES) return undefined;
      return readFileSync(full, 'utf8');
    } catch {
      return undefined;
    }
  }

  exists(path: string): boolean {
    return this.resolve(path) !== undefined;
  }

  list(dir: string): string[] {
    const full = this.resolve(dir);
    if (!full) return [];
    try {
      return readdirSync(full).sort();
    } catch {
      return [];
    }
  }

  /** The real path of `path` when it exists inside the root. */
  private resolve(path: string): string | undefined {
    try {
      const candidate = join(this.root, path);
      lstatSync(candidate);
      const real = realpathSync(candidate);
      return isInside(this.root, real) ? real : undefined;
    } catch {
      return undefined;
    }
  }
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}
