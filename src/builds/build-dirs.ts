import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Checkout directories under `build_dir`: one per build attempt, named `<buildId>.<random>`,
 * mode 0700, removed when the attempt ends.
 */
export class BuildDirs {
  constructor(private readonly root: string) {}

  async create(buildId: string): Promise<string> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    return mkdtemp(join(this.root, `${buildId}.`));
  }

  async remove(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    await rm(`${dir}.key`, { force: true });
  }

  /**
   * Removes what crashed workers left: directories whose build is not running any more
   * (`isActive` false) and any older than `maxAgeMs` whatever their build.
   */
  async sweep(isActive: (buildId: string) => Promise<boolean>, maxAgeMs: number): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const name of names) {
      const dir = join(this.root, name);
      // `<buildId>.<random>` or its key file `<buildId>.<random>.key`.
      const buildId = name.replace(/\.key$/, '').replace(/\.[^.]*$/, '');
      const info = await stat(dir).catch(() => undefined);
      if (!info) continue;
      const old = Date.now() - info.mtimeMs > maxAgeMs;
      if (old || !(await isActive(buildId))) {
        await rm(dir, { recursive: true, force: true });
        removed.push(name);
      }
    }
    return removed;
  }
}
