import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Bytes under `dir` (files and symlinks as they are, never followed), counting no further than
 * just past `limit`: a hostile tree need not be walked to its end to be found too large.
 */
export async function directoryBytes(dir: string, limit = Number.MAX_SAFE_INTEGER): Promise<number> {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0 && total <= limit) {
    const current = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue; // removed while git works, or not there yet
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else total += (await lstat(path).catch(() => undefined))?.size ?? 0;
      if (total > limit) break;
    }
  }
  return total;
}

/** Looks at the size of `dir` every `everyMs` while git writes it; calls `onOver` once when past `limit`. */
export function watchDirectorySize(dir: string, limit: number, onOver: () => void, everyMs = 200): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const look = async () => {
    const bytes = await directoryBytes(dir, limit);
    if (stopped) return;
    if (bytes > limit) {
      stopped = true;
      onOver();
      return;
    }
    timer = setTimeout(() => void look(), everyMs);
  };
  timer = setTimeout(() => void look(), everyMs);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** "2 GiB", "5 MiB", "640 KiB" or bytes: how the limit reads in messages. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}
