import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { BuildFailedError } from '../errors';
import { BUILD_CGROUP_PREFIX, createBuildCgroup } from './build-cgroup';

/** Real cgroup trees are tested by the integration tests; these fake the layout in a directory. */
describe('createBuildCgroup', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-cgroup-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('on cgroup v1 makes a cgroup in the pids hierarchy with the limit, and hands the engine a child of it', async () => {
    mkdirSync(join(root, 'pids'));
    mkdirSync(join(root, 'memory'));
    const cgroup = await createBuildCgroup(321, root);
    const [name] = readdirSync(join(root, 'pids'));
    expect(name).toMatch(new RegExp(`^${BUILD_CGROUP_PREFIX}[0-9a-f]{8}-${process.pid}-[0-9a-f]{12}$`));
    expect(readFileSync(join(root, 'pids', name ?? '', 'pids.max'), 'utf8')).toBe('321');
    expect(cgroup.parent).toBe(`/${name}/run`);
    expect(readdirSync(join(root, 'memory'))).toEqual([]);
  });

  it('on cgroup v2 delegates the pids controller first when the root does not', async () => {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    writeFileSync(join(root, 'cgroup.subtree_control'), 'cpu memory\n');
    const cgroup = await createBuildCgroup(50, root);
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+pids');
    const name = cgroup.parent.split('/')[1] ?? '';
    expect(readFileSync(join(root, name, 'pids.max'), 'utf8')).toBe('50');
  });

  it('gives two builds two cgroups', async () => {
    mkdirSync(join(root, 'pids'));
    const a = await createBuildCgroup(10, root);
    const b = await createBuildCgroup(10, root);
    expect(a.parent).not.toBe(b.parent);
  });

  it('fails the build with a clear error naming the setting when the limit cannot be set', async () => {
    const err = await createBuildCgroup(10, join(root, 'missing')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildFailedError);
    expect(err).toMatchObject({ code: 'pids_limit_unavailable', message: expect.stringContaining('[build] pids_limit = 0') });
  });

  it('removes the cgroup from every hierarchy the engine made it in', async () => {
    mkdirSync(join(root, 'pids'));
    mkdirSync(join(root, 'memory'));
    const cgroup = await createBuildCgroup(10, root);
    const name = cgroup.parent.split('/')[1] ?? '';
    // What the engine does: the parent path in every hierarchy. Real control files vanish with rmdir.
    for (const h of ['pids', 'memory']) mkdirSync(join(root, h, name, 'run'), { recursive: true });
    rmSync(join(root, 'pids', name, 'pids.max'));
    await cgroup.remove(0);
    expect(readdirSync(join(root, 'pids'))).toEqual([]);
    expect(readdirSync(join(root, 'memory'))).toEqual([]);
  });

  it('gives up waiting on a cgroup still in use after the time given, without failing', async () => {
    mkdirSync(join(root, 'pids'));
    const cgroup = await createBuildCgroup(10, root);
    const name = cgroup.parent.split('/')[1] ?? '';
    mkdirSync(join(root, 'pids', name, 'run', 'busy'), { recursive: true });
    await expect(cgroup.remove(300)).resolves.toBeUndefined();
    expect(existsSync(join(root, 'pids', name, 'run'))).toBe(true);
  });

  it('sweeps the empty cgroups of ended processes of this host, and only those', async () => {
    for (const h of ['pids', 'memory']) mkdirSync(join(root, h));
    const own = await createBuildCgroup(10, root);
    const host = (own.parent.split('/')[1] ?? '').split('-')[2];
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const names = {
      deadProcess: `${BUILD_CGROUP_PREFIX}${host}-${dead}-aaaaaaaaaaaa`,
      liveProcess: `${BUILD_CGROUP_PREFIX}${host}-${process.pid}-bbbbbbbbbbbb`,
      otherHost: `${BUILD_CGROUP_PREFIX}00000000-${dead}-cccccccccccc`,
      deadButBusy: `${BUILD_CGROUP_PREFIX}${host}-${dead}-dddddddddddd`,
    };
    for (const name of Object.values(names)) for (const h of ['pids', 'memory']) mkdirSync(join(root, h, name, 'run'), { recursive: true });
    mkdirSync(join(root, 'pids', names.deadButBusy, 'run', 'container'));
    await createBuildCgroup(10, root);
    const left = readdirSync(join(root, 'pids'));
    expect(left).not.toContain(names.deadProcess);
    expect(readdirSync(join(root, 'memory'))).not.toContain(names.deadProcess);
    expect(left).toEqual(expect.arrayContaining([names.liveProcess, names.otherHost, names.deadButBusy, own.parent.split('/')[1]]));
  });

  describe('kill', () => {
    const children: ChildProcess[] = [];
    /** A real process of the test's own, listed in a fake cgroup below. */
    const sleeper = () => {
      const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
      children.push(child);
      return child;
    };
    const ended = (child: ChildProcess) =>
      new Promise<NodeJS.Signals | null>((resolve) =>
        child.exitCode !== null || child.signalCode !== null ? resolve(child.signalCode) : child.once('exit', (_code, signal) => resolve(signal)),
      );
    afterEach(() => {
      for (const child of children.splice(0)) child.kill('SIGKILL');
    });

    it('on cgroup v1 SIGKILLs every process of the build cgroup and of the cgroups below it, and nothing else', async () => {
      for (const h of ['pids', 'memory']) mkdirSync(join(root, h));
      const cgroup = await createBuildCgroup(10, root);
      const name = cgroup.parent.split('/')[1] ?? '';
      const [step, forked, other] = [sleeper(), sleeper(), sleeper()];
      // Docker's layout: the container's cgroup under the parent; Podman's: the parent itself.
      mkdirSync(join(root, 'pids', name, 'run', 'container'), { recursive: true });
      writeFileSync(join(root, 'pids', name, 'run', 'cgroup.procs'), `${step.pid}\n`);
      writeFileSync(join(root, 'pids', name, 'run', 'container', 'cgroup.procs'), `${forked.pid}\n${process.pid}\n`);
      // Another build's cgroup, and the same process listed in another hierarchy only: untouched.
      mkdirSync(join(root, 'pids', `${name}x`));
      writeFileSync(join(root, 'pids', `${name}x`, 'cgroup.procs'), `${other.pid}\n`);
      mkdirSync(join(root, 'memory', name));
      writeFileSync(join(root, 'memory', name, 'cgroup.procs'), `${other.pid}\n`);

      await cgroup.kill();
      expect(await ended(step)).toBe('SIGKILL');
      expect(await ended(forked)).toBe('SIGKILL');
      expect(other.exitCode).toBeNull();
      expect(other.signalCode).toBeNull();
    });

    it('on cgroup v2 writes cgroup.kill of the build cgroup when the kernel has it', async () => {
      writeFileSync(join(root, 'cgroup.controllers'), 'pids\n');
      writeFileSync(join(root, 'cgroup.subtree_control'), 'pids\n');
      const cgroup = await createBuildCgroup(10, root);
      const name = cgroup.parent.split('/')[1] ?? '';
      writeFileSync(join(root, name, 'cgroup.kill'), '');
      await cgroup.kill();
      expect(readFileSync(join(root, name, 'cgroup.kill'), 'utf8')).toBe('1');
    });

    it('on cgroup v2 without cgroup.kill walks the tree as on v1', async () => {
      writeFileSync(join(root, 'cgroup.controllers'), 'pids\n');
      writeFileSync(join(root, 'cgroup.subtree_control'), 'pids\n');
      const cgroup = await createBuildCgroup(10, root);
      const name = cgroup.parent.split('/')[1] ?? '';
      const step = sleeper();
      mkdirSync(join(root, name, 'run'));
      writeFileSync(join(root, name, 'run', 'cgroup.procs'), `${step.pid}\n`);
      await cgroup.kill();
      expect(await ended(step)).toBe('SIGKILL');
    });

    it('kills again before removing, for a step the engine started while the build was stopped', async () => {
      mkdirSync(join(root, 'pids'));
      const cgroup = await createBuildCgroup(10, root);
      const name = cgroup.parent.split('/')[1] ?? '';
      await cgroup.kill();
      const late = sleeper();
      mkdirSync(join(root, 'pids', name, 'run'));
      writeFileSync(join(root, 'pids', name, 'run', 'cgroup.procs'), `${late.pid}\n`);
      await cgroup.remove(300);
      expect(await ended(late)).toBe('SIGKILL');
    });

    it("kills a step the engine starts after the stopped build's cgroup was removed, making it again", async () => {
      mkdirSync(join(root, 'pids'));
      const cgroup = await createBuildCgroup(10, root);
      const name = cgroup.parent.split('/')[1] ?? '';
      rmSync(join(root, 'pids', name, 'pids.max'));
      await cgroup.kill();
      await cgroup.remove(0);
      expect(readdirSync(join(root, 'pids'))).toEqual([]);
      const late = sleeper();
      mkdirSync(join(root, 'pids', name, 'run'), { recursive: true });
      writeFileSync(join(root, 'pids', name, 'run', 'cgroup.procs'), `${late.pid}\n`);
      expect(await ended(late)).toBe('SIGKILL');
    });

    it('succeeds when the cgroup is already gone', async () => {
      mkdirSync(join(root, 'pids'));
      const cgroup = await createBuildCgroup(10, root);
      await cgroup.remove(0);
      await expect(cgroup.kill()).resolves.toBeUndefined();
    });
  });
});
