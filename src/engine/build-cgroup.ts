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
   * SIGKILLs every process in the cgroup and the cgroups below it, again while new ones appear
   * (a step forking as it dies). For a stopped build: Podman 4 would otherwise run its current
   * step to the end. Nothing outside this build's cgroup is touched. Once called, every later
   * removal try kills again first, in case the engine started a step while it was being stopped.
   */
  kill(): Promise<void>;
  /**
   * Removes what the build left of the cgroup, in every hierarchy. A cgroup still holding
   * processes cannot go: after `waitMs`, further tries continue in the background for a while.
   */
  remove(waitMs: number): Promise<void>;
}

const RETRY_MS = 100;
const LATER_MS = 10_000;
const LATER_TRIES = 360;
/** Kill rounds: how long to look for processes that appear as the others die, and how often. */
const KILL_MS = 2_000;
const KILL_ROUND_MS = 50;
/**
 * A killed build whose engine was setting a step up (Podman) may still start it, making the
 * cgroup again: it is looked for every `WATCH_MS` for a while, killed and removed.
 */
const WATCH_MS = 1_000;
const WATCH_TRIES = 30;

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
  let killed = false;
  const killAll = () => killTree(v2 ? join(root, name) : join(root, 'pids', name), v2);
  return {
    parent: `/${name}/run`,
    kill: () => {
      killed = true;
      return killAll();
    },
    remove: async (waitMs) => {
      if (!killed) return removeEverywhere(root, name, v2, waitMs);
      await removeEverywhere(root, name, v2, waitMs, killAll);
      watchKilledBuild(() => killAll().then(() => removeEverywhere(root, name, v2, -1)), WATCH_TRIES);
    },
  };
}

function ownPrefix(): string {
  return `${BUILD_CGROUP_PREFIX}${createHash('sha256').update(hostname()).digest('hex').slice(0, 8)}-`;
}

/**
 * Removes the empty build cgroups that processes of this host left when they ended before their
 * builds' last step (a killed worker, whose build's step ran on). Those of live
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

/**
 * Kills the processes of the cgroup at `dir` and of every cgroup below it. cgroup v2 (kernel
 * 5.14+) does it in one write, forks in flight included. Otherwise: rounds of reading
 * `cgroup.procs` and SIGKILLing what was not killed yet, until the cgroup is empty or two rounds
 * find nothing new. On v1 the pids hierarchy holds every process of the build (its limit is there).
 */
async function killTree(dir: string, v2: boolean): Promise<void> {
  if (v2 && (await exists(join(dir, 'cgroup.kill')))) {
    await writeFile(join(dir, 'cgroup.kill'), '1').catch(ignoreGone);
    return;
  }
  const killed = new Set<number>();
  const deadline = Date.now() + KILL_MS;
  for (let quiet = 0; quiet < 2 && Date.now() < deadline;) {
    const listed = await processesIn(dir);
    if (listed.length === 0) return;
    const fresh = listed.filter((pid) => !killed.has(pid));
    for (const pid of fresh) {
      killed.add(pid);
      sigkill(pid);
    }
    quiet = fresh.length === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, KILL_ROUND_MS));
  }
}

/** The process ids listed in `cgroup.procs` of `dir` and of the cgroups below it. */
async function processesIn(dir: string): Promise<number[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    ignoreGone(err);
    return [];
  }
  const own = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch((err: unknown) => (ignoreGone(err), ''));
  const pids = own
    .split('\n')
    .filter((line) => /^[1-9]\d*$/.test(line))
    .map(Number);
  for (const entry of entries) if (entry.isDirectory()) pids.push(...(await processesIn(join(dir, entry.name))));
  return pids;
}

function sigkill(pid: number): void {
  // Never this worker, even if it were listed; `pid` is always > 0 (never a process group).
  if (pid === process.pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** A cgroup (or process) that ends while being read is what killing is for. */
function ignoreGone(err: unknown): void {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'ENOENT' && code !== 'ENODEV' && code !== 'ESRCH') throw err;
}

/**
 * The engine may have made the cgroup in every v1 hierarchy; the last processes can take a moment
 * to leave. `beforeTry` runs before each try (the kill of a stopped build).
 */
async function removeEverywhere(root: string, name: string, v2: boolean, waitMs: number, beforeTry = () => Promise.resolve()): Promise<void> {
  const bases = v2 ? [root] : (await readdir(root)).map((h) => join(root, h));
  const dirs = bases.flatMap((base) => [join(base, name, 'run'), join(base, name)]);
  const deadline = Date.now() + waitMs;
  while (!(await removeAll(dirs))) {
    if (waitMs < 0) return; // a sweep: still in use, so not a leftover
    if (Date.now() >= deadline) return removeLater(dirs, LATER_TRIES, beforeTry);
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    await beforeTry();
  }
}

function watchKilledBuild(killAndRemove: () => Promise<void>, tries: number): void {
  if (tries <= 0) return;
  const timer = setTimeout(() => {
    killAndRemove().then(
      () => watchKilledBuild(killAndRemove, tries - 1),
      () => undefined,
    );
  }, WATCH_MS);
  timer.unref();
}

function removeLater(dirs: string[], tries: number, beforeTry: () => Promise<void>): void {
  const timer = setTimeout(() => {
    beforeTry()
      .then(() => removeAll(dirs))
      .then(
        (done) => (done || tries <= 1 ? undefined : removeLater(dirs, tries - 1, beforeTry)),
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
