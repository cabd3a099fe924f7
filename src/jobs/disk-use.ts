import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';

/** What a walk of a job's folders found: bytes on disk and entries, up to the walk's own cap. */
export interface DiskUse {
  /** Bytes the files take on disk (allocated blocks: a sparse file counts what it holds). */
  bytes: number;
  entries: number;
  /** The walk stopped at `maxEntries`: there are more. */
  truncated: boolean;
}

/**
 * Bytes and entries under `dirs`, never following a link (a link counts as itself). The walk is
 * iterative and stops at `maxEntries`, so a job that made millions of files costs one bounded
 * walk. A file removed during the walk is skipped: the job is running.
 */
export async function measureDiskUse(dirs: readonly string[], maxEntries: number): Promise<DiskUse> {
  const use: DiskUse = { bytes: 0, entries: 0, truncated: false };
  const pending = [...dirs];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    const handle = await opendir(dir).catch(() => undefined);
    if (!handle) continue;
    for await (const entry of handle) {
      if (++use.entries > maxEntries) {
        use.truncated = true;
        // Leaving the for-await closes the handle.
        return use;
      }
      const path = join(dir, entry.name);
      const info = await lstat(path).catch(() => undefined);
      if (!info) continue;
      use.bytes += info.blocks * 512;
      if (info.isDirectory()) pending.push(path);
    }
  }
  return use;
}

export interface DiskWatchOptions {
  /** The folders the job writes to, as the host sees them. */
  dirs: readonly string[];
  /** Bytes the job may add to them while it runs. */
  maxBytes: number;
  /** Entries the job may add to them while it runs. */
  maxEntries: number;
  intervalMs: number;
  /** Called once, with the reason, when the job went past a cap. */
  onExceeded: (message: string) => void;
}

/**
 * Watches what a running job writes into its bind-mounted folders: the engine puts no size limit
 * on a bind mount, so without this a job could fill the host's disk before it ends. What the
 * folders hold at the start (the source) is the baseline; growth past `maxBytes` or `maxEntries`
 * calls `onExceeded` (the caller stops the job). Walks never overlap. Returns the stop function.
 */
export async function watchDiskUse(options: DiskWatchOptions): Promise<() => void> {
  const baseline = await measureDiskUse(options.dirs, Number.MAX_SAFE_INTEGER);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    const use = await measureDiskUse(options.dirs, baseline.entries + options.maxEntries);
    if (stopped) return;
    const reason = exceeded(use, baseline, options);
    if (reason) {
      stopped = true;
      options.onExceeded(reason);
      return;
    }
    timer = setTimeout(() => void check(), options.intervalMs);
  };
  timer = setTimeout(() => void check(), options.intervalMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

function exceeded(use: DiskUse, baseline: DiskUse, options: DiskWatchOptions): string | undefined {
  if (use.truncated) return `the job wrote more than ${options.maxEntries} files and folders`;
  if (use.bytes - baseline.bytes > options.maxBytes) return `the job wrote more than ${options.maxBytes} bytes into /app and /app/output`;
  return undefined;
}
