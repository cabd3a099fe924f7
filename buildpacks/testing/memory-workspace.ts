import type { Workspace } from '../plan';

/**
 * A repository held in memory, for unit tests: keys are file paths ('/'-separated, relative),
 * values their contents. Directories exist implicitly when a file lies under them.
 */
export class MemoryWorkspace implements Workspace {
  private readonly files: Map<string, string>;

  constructor(files: Record<string, string>) {
    this.files = new Map(Object.entries(files).map(([path, text]) => [trimSlashes(path), text]));
  }

  readFile(path: string): string | undefined {
    return this.files.get(trimSlashes(path));
  }

  exists(path: string): boolean {
    const wanted = trimSlashes(path);
    if (wanted === '' || this.files.has(wanted)) return true;
    return [...this.files.keys()].some((file) => file.startsWith(`${wanted}/`));
  }

  list(dir: string): string[] {
    const prefix = trimSlashes(dir) === '' ? '' : `${trimSlashes(dir)}/`;
    const names = new Set<string>();
    for (const file of this.files.keys()) {
      if (file.startsWith(prefix)) names.add(file.slice(prefix.length).split('/')[0] ?? '');
    }
    names.delete('');
    return [...names].sort();
  }
}

function trimSlashes(path: string): string {
  return path.replace(/^\.\/+/, '').replace(/^\/+|\/+$/g, '');
}
