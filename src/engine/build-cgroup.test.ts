import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
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
});
