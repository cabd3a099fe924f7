import { createLogger, transports } from 'winston';
import type { AppRecord, AppSecrets, AppStore } from '../apps/app.record';
import { appRecord, runtimeConfig } from '../apps/testing/app-record.fixture';
import type { AppError } from '../errors';
import type { ReleaseRecord } from './deployment.record';
import { DeploymentService } from './deployment.service';
import { MemoryDeployQueue, MemoryDeploymentStore, MemoryReleaseStore } from './testing/memory-deployment.store';

/** AppStore in memory: only what the deployment service reads. */
class FakeAppStore implements AppStore {
  readonly apps = new Map<string, AppRecord>();
  async create(record: AppRecord): Promise<boolean> {
    if (this.apps.has(record.name)) return false;
    this.apps.set(record.name, structuredClone(record));
    return true;
  }
  async get(name: string): Promise<AppRecord | undefined> {
    const app = this.apps.get(name);
    return app ? structuredClone(app) : undefined;
  }
  async list(): Promise<AppRecord[]> {
    return [...this.apps.values()];
  }
  async update(next: AppRecord): Promise<boolean> {
    this.apps.set(next.name, structuredClone(next));
    return true;
  }
  async nextSecretsVersion(): Promise<number> {
    return 2;
  }
  async secrets(): Promise<AppSecrets | undefined> {
    return undefined;
  }
  async pruneSecrets(): Promise<void> {}
  async remove(name: string): Promise<void> {
    this.apps.delete(name);
  }
}

const SHA = 'a'.repeat(40);
const OTHER_SHA = 'b'.repeat(40);

const GIT = { type: 'git' as const, build: { git_repo: 'https://git.example.test/web.git', buildpack_type: 'dockerfile' as const } };
const IMAGE = { type: 'image' as const, image: 'registry.example.test/web:1' };

let apps: FakeAppStore;
let store: MemoryDeploymentStore;
let releases: MemoryReleaseStore;
let queue: MemoryDeployQueue;
let service: DeploymentService;

beforeEach(async () => {
  apps = new FakeAppStore();
  store = new MemoryDeploymentStore();
  releases = new MemoryReleaseStore();
  queue = new MemoryDeployQueue();
  service = new DeploymentService(apps, store, releases, queue, { followPollMs: 5 }, createLogger({ transports: [new transports.Console({ silent: true })] }));
  await apps.create(appRecord('web', { source: GIT }));
  await apps.create(appRecord('img', { source: IMAGE }));
});

/** Makes release `number` live for `app`, made by a succeeded deployment. */
async function makeLive(app: string, number: number, fields: Partial<ReleaseRecord> = {}): Promise<string> {
  const id = `made-${app}-${number}`;
  await store.create({ id, app, kind: 'deploy', status: 'queued', trigger: 'api', force: false, times: {}, attempts: 0 });
  await store.transition(id, 'succeeded');
  await releases.add(
    {
      app,
      number,
      deploymentId: id,
      imageId: `sha256:${number}`,
      image: `berth-app/${app}:r${number}`,
      config: runtimeConfig(),
      port: 3000,
      setPortEnv: true,
      createdAt: 'now',
      ...fields,
    },
    5,
  );
  const record = (await apps.get(app))!;
  await apps.update({ ...record, liveRelease: number, liveSlot: 'a' });
  return id;
}

async function expectError(promise: Promise<unknown>, code: string, field?: string): Promise<AppError> {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as AppError;
  expect({ code: err?.code, field: err?.field }).toEqual({ code, field });
  return err;
}

describe('DeploymentService.deploy', () => {
  it('queues a deployment of a commit and answers it as created', async () => {
    const { created, deployment } = await service.deploy('web', { git_commit: SHA.toUpperCase(), trigger: 'api' });
    expect(created).toBe(true);
    expect(deployment).toMatchObject({ app: 'web', kind: 'deploy', status: 'queued', git_commit: SHA, force: false, trigger: 'api' });
    expect(queue.waiting.has(deployment.id)).toBe(true);
  });

  it('refuses an unknown app, and a name no app could have, as 404', async () => {
    await expectError(service.deploy('nope', { trigger: 'api' }), 'not_found');
    await expectError(service.deploy('Bad_Name', { trigger: 'api' }), 'not_found');
  });

  it('names the field that does not fit the app source', async () => {
    await expectError(service.deploy('web', { image: 'x:1', trigger: 'api' }), 'invalid_input', 'image');
    await expectError(service.deploy('img', { git_commit: SHA, trigger: 'api' }), 'invalid_input', 'git_commit');
    await expectError(service.deploy('web', { git_commit: 'main', trigger: 'api' }), 'invalid_input', 'git_commit');
    await expectError(service.deploy('web', { git_commit: 'abc12', trigger: 'api' }), 'invalid_input', 'git_commit');
    await expectError(service.deploy('img', { image: 'Bad Image', trigger: 'api' }), 'invalid_input', 'image');
    expect(store.records.size).toBe(0);
  });

  it('answers the live deployment for a commit already live (short sha too), unless forced', async () => {
    const madeBy = await makeLive('web', 1, { commit: SHA });
    const outcome = await service.deploy('web', { git_commit: SHA.slice(0, 7), trigger: 'api' });
    expect(outcome).toMatchObject({ created: false, ignored: 'already_live', deployment: { id: madeBy, ignored: 'already_live' } });
    expect(queue.waiting.size).toBe(0);
    const forced = await service.deploy('web', { git_commit: SHA, force: true, trigger: 'api' });
    expect(forced).toMatchObject({ created: true, deployment: { force: true, previous_release: 1 } });
  });

  it('answers the running deployment for a commit in progress, requested or resolved', async () => {
    const first = await service.deploy('web', { git_commit: SHA, trigger: 'api' });
    expect(await service.deploy('web', { git_commit: SHA, trigger: 'webhook:github' })).toMatchObject({
      created: false,
      ignored: 'in_progress',
      deployment: { id: first.deployment.id },
    });
    await store.transition(first.deployment.id, 'building', { commit: OTHER_SHA });
    const resolved = await service.deploy('web', { git_commit: OTHER_SHA.slice(0, 10), trigger: 'api' });
    expect(resolved).toMatchObject({ created: false, ignored: 'in_progress', deployment: { id: first.deployment.id } });
  });

  it('dedupes image apps by image reference', async () => {
    await makeLive('img', 1, { image: IMAGE.image });
    expect(await service.deploy('img', { trigger: 'api' })).toMatchObject({ created: false, ignored: 'already_live' });
    expect(await service.deploy('img', { image: 'registry.example.test/web:2', trigger: 'api' })).toMatchObject({
      created: true,
      deployment: { image: 'registry.example.test/web:2' },
    });
    expect(await service.deploy('img', { image: 'registry.example.test/web:2', trigger: 'api' })).toMatchObject({ created: false, ignored: 'in_progress' });
  });

  it('supersedes a waiting deployment and removes its job (latest wins)', async () => {
    const first = await service.deploy('web', { git_commit: SHA, trigger: 'api' });
    const second = await service.deploy('web', { git_commit: OTHER_SHA, trigger: 'api' });
    expect((await service.get(first.deployment.id)).status).toBe('superseded');
    expect([...queue.waiting]).toEqual([second.deployment.id]);
  });

  it('ends the new deployment failed when the queue is unreachable, and says so', async () => {
    queue.failEnqueue = Object.assign(new Error('down'), { code: 'redis_unavailable' });
    await expect(service.deploy('web', { trigger: 'api' })).rejects.toThrow('down');
    const [record] = [...store.records.values()];
    expect(record).toMatchObject({ status: 'failed', error: { code: 'redis_unavailable' } });
  });
});

describe('DeploymentService: reading, cancelling', () => {
  it('answers 404 for an id no deployment could have, before reading the store', async () => {
    const get = jest.spyOn(store, 'get');
    await expectError(service.get('../x'), 'not_found');
    await expectError(service.logs(`-${'x'.repeat(200)}`), 'not_found');
    expect(get).not.toHaveBeenCalled();
    await expectError(service.get('unknown-id'), 'not_found');
  });

  it('cancels a waiting deployment at once, and refuses to cancel an ended one', async () => {
    const { deployment } = await service.deploy('web', { trigger: 'api' });
    const cancelled = await service.cancel(deployment.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', reason: 'cancelled before a worker took it' });
    expect((await service.logs(deployment.id)).lines.map((l) => l.text)).toEqual(['[berth] deployment cancelled before a worker took it']);
    await expectError(service.cancel(deployment.id), 'state_conflict');
  });

  it('only asks a running deployment to stop', async () => {
    const { deployment } = await service.deploy('web', { trigger: 'api' });
    queue.waiting.delete(deployment.id);
    queue.taken.add(deployment.id);
    await store.transition(deployment.id, 'building');
    expect(await service.cancel(deployment.id)).toMatchObject({ status: 'building', cancel_requested: true });
  });

  it('lists an app deployments newest first and checks paging', async () => {
    await service.deploy('web', { git_commit: SHA, trigger: 'api' });
    const second = await service.deploy('web', { git_commit: OTHER_SHA, trigger: 'api' });
    const list = await service.list('web', 1, 0);
    expect(list).toMatchObject({ total: 2, limit: 1, offset: 0, deployments: [{ id: second.deployment.id }] });
    await expectError(service.list('web', 0, 0), 'invalid_input', 'limit');
    await expectError(service.list('web', 10, -1), 'invalid_input', 'offset');
    await expectError(service.list('nope', 10, 0), 'not_found');
  });

  it('follows a log to its end, from a given line', async () => {
    const { deployment } = await service.deploy('web', { trigger: 'api' });
    await store.appendLog(
      deployment.id,
      [0, 1, 2].map((i) => ({ time: 't', text: `line ${i}` })),
    );
    const events: Array<{ event: string; data: unknown }> = [];
    const stream = await service.follow(deployment.id, 1, new AbortController().signal);
    setTimeout(() => void store.transition(deployment.id, 'failed', { error: { code: 'x', message: 'y' } }), 20);
    for await (const e of stream) events.push(e);
    expect(events).toEqual([
      { id: '1', event: 'log', data: { seq: 1, time: 't', text: 'line 1' } },
      { id: '2', event: 'log', data: { seq: 2, time: 't', text: 'line 2' } },
      { event: 'end', data: { status: 'failed', error: { code: 'x', message: 'y' } } },
    ]);
  });
});

describe('DeploymentService: rollback, config, restart, releases', () => {
  it('rolls back to the release before the live one by default, or to the one named', async () => {
    await makeLive('web', 1, { commit: SHA });
    await makeLive('web', 2, { commit: OTHER_SHA });
    await makeLive('web', 3);
    expect(await service.rollback('web', undefined)).toMatchObject({ kind: 'rollback', rollback_of: 2, commit: OTHER_SHA, image_id: 'sha256:2', previous_release: 3 });
    expect(await service.rollback('web', 1)).toMatchObject({ kind: 'rollback', rollback_of: 1, commit: SHA });
    await expectError(service.rollback('web', 9), 'not_found', 'release');
    await expectError(service.rollback('web', 3), 'state_conflict', 'release');
    await expectError(service.rollback('web', 0), 'invalid_input', 'release');
  });

  it('refuses a rollback with nothing live or nothing before the live release', async () => {
    await expectError(service.rollback('web', undefined), 'state_conflict');
    await makeLive('web', 1);
    await expectError(service.rollback('web', undefined), 'state_conflict');
  });

  it('makes a config deployment only when something is live', async () => {
    expect(await service.configChanged('web')).toBeUndefined();
    expect(store.records.size).toBe(0);
    await makeLive('web', 1);
    expect(await service.configChanged('web')).toMatchObject({ kind: 'config', status: 'queued' });
  });

  it('restarts only a live app', async () => {
    await expectError(service.restart('web'), 'state_conflict');
    await makeLive('web', 1);
    expect(await service.restart('web')).toMatchObject({ kind: 'restart', status: 'queued' });
  });

  it('lists releases newest first, marking the live one', async () => {
    await makeLive('web', 1, { commit: SHA });
    await makeLive('web', 2);
    const { releases: list } = await service.listReleases('web');
    expect(list.map((r) => [r.number, r.live])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(list[1]).toMatchObject({ commit: SHA, image_id: 'sha256:1', deployment_id: 'made-web-1' });
  });
});
