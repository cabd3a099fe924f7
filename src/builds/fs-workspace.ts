import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '../../buildpacks/plan';
import { isInside, readCheckoutFile } from './checkout-file';

export { isInside };

/**
 * Workspace over a checked-out directory. Paths that leave the root, also through symlinks
 * (a repository may hold `Dockerfile -> /etc/shadow`), read as absent; so do FIFOs, devices and
 * files over the size cap, all through `readCheckoutFile`.
 */
export class FsWorkspace implements Workspace {
  private readonly root: string;

  constructor(root: string) {
    this.root = realpathSync(root);
  }

  readFile(path: string): string | undefined {
    try {
      const read = readCheckoutFile(this.root, path);
      return read.kind === 'file' ? read.text : undefined;
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
