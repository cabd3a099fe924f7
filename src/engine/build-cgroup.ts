import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildFailedError } from '../errors';

/** Where cgroup hierarchies are mounted on Linux hosts. */
export const CGROUP_ROOT = '/sys/fs/cgroup';
/**
 * Every build cgroup is named `berth-build-<host>-<pid>-<random>`: the host (a hash of its name)
 * and process that made it, so that a worker can tell the leftovers of a process that has gone.
 */
export const BUILD_CGROUP_PREFIX = 'berth-build-';

/** A cgroup made for one engine build: its `pids.max` bounds every process the build's RUN steps start. */
export interface BuildCgroup {
  /** The path to give the engine as the build's cgroup parent. */
  readonly parent: string;
  /**
   * Removes what the build left of the cgroup, in every hierarchy. A cgroup still holding
   * processes cannot go: after `waitMs`, further tries continue in the background for a while
   * (Podman lets the running step of a stopped build finish).
   */
  remove(waitMs: number): Promise<void>;
}

const RETRY_MS = 100;
const LATER_MS = 10_000;
const LATER_TRIES = 360;

/**
 * Creates a cgroup with `pids.max` = `limit`; the engine puts each RUN step's container below it.
 * Docker makes the container's cgroup under the parent; Podman 4 uses the parent path itself
 * for each step and removes it afterwards: so the engine gets a child (`run`) and the limit sits
 * on its parent, which outlives the steps. Works with cgroup v1 and v2 (cgroupfs driver).
 */
export async function createBuildCgroup(limit: number, root = CGROUP_ROOT): Promise<BuildCgroup> {
  const name = `${ownPrefix()}${process.pid}-${randomBytes(6).toString('hex')}`;
  const v2 = await exists(join(root, 'cgroup.controllers'));
  await sweepLeftovers(root, v2).catch(() => undefined);
  const dir = v2 ? join(root, name) : join(root, 'pids', name);
  try {
    if (v2) await enablePids(root);
    else if (!(await exists(join(root, 'pids')))) throw new Error(`no pids hierarchy under ${root}`);
    await mkdir(dir);
    await writeFile(join(dir, 'pids.max'), String(limit));
  } catch (err) {
    await rmdir(dir).catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new BuildFailedError(`cannot put the build under its PID limit (${reason}); set [build] pids_limit = 0 to build without one`, 'pids_limit_unavailable');
  }
  return { parent: `/${name}/run`, remove: (waitMs) => removeEverywhere(root, name, v2, waitMs) };
}

function ownPrefix(): string {
  return `${BUILD_CGROUP_PREFIX}${createHash('sha256').update(hostname()).digest('hex').slice(0, 8)}-`;
}

/**
 * Removes the empty build cgroups that processes of this host left when they ended before their
 * builds' last step (a killed worker; Podman finishing a cancelled build's step). Those of live
 * processes, and of other hosts or containers, are never touched.
 */
async function sweepLeftovers(root: string, v2: boolean): Promise<void> {
  const prefix = ownPrefix();
  const names = (await readdir(v2 ? root : join(root, 'pids'))).filter((n) => n.startsWith(prefix));
  for (const name of names) {
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) await removeEverywhere(root, name, v2, -1);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** cgroup v2 applies `pids.max` only where the parent delegates the pids controller. */
async function enablePids(root: string): Promise<void> {
  const enabled = (await readFile(join(root, 'cgroup.subtree_control'), 'utf8')).split(/\s+/);
  if (!enabled.includes('pids')) await writeFile(join(root, 'cgroup.subtree_control'), '+pids');
}

/** The engine may have made the cgroup in every v1 hierarchy; the last processes can take a moment to leave. */
async function removeEverywhere(root: string, name: string, v2: boolean, waitMs: number): Promise<void> {
  const bases = v2 ? [root] : (await readdir(root)).map((h) => join(root, h));
  const dirs = bases.flatMap((base) => [join(base, name, 'run'), join(base, name)]);
  const deadline = Date.now() + waitMs;
  while (!(await removeAll(dirs))) {
    if (waitMs < 0) return; // a sweep: still in use, so not a leftover
    if (Date.now() >= deadline) return removeLater(dirs, LATER_TRIES);
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

function removeLater(dirs: string[], tries: number): void {
  const timer = setTimeout(() => {
    removeAll(dirs).then(
      (done) => (done || tries <= 1 ? undefined : removeLater(dirs, tries - 1)),
      () => undefined,
    );
  }, LATER_MS);
  timer.unref();
}

/** True once every directory is gone; false while one is still in use. */
async function removeAll(dirs: string[]): Promise<boolean> {
  let done = true;
  for (const dir of dirs) {
    try {
      await rmdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EBUSY' || code === 'ENOTEMPTY') done = false;
      else if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
  }
  return done;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
