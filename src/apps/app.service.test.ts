import winston from 'winston';
import { AppError, ConflictError, NotFoundError } from '../errors';
import type { AppRouting, Slot } from '../proxy/app-routing.port';
import type { AppCleanup } from './app-cleanup';
import type { AppReplicaReader, AppReplicaState } from './app-replicas.port';
import { AppService, type AppServiceHooks } from './app.service';
import type { AppRecord } from './app.record';
import { MemoryAppStore } from './testing/memory-app.store';

/** Records every routing call. */
class RecordingRouting implements AppRouting {
  readonly calls: string[] = [];
  failAdd?: Error;
  async addApp(app: string) {
    if (this.failAdd) throw this.failAdd;
    this.calls.push(`add ${app}`);
  }
  async removeApp(app: string) {
    this.calls.push(`remove ${app}`);
  }
  async route(app: string, domains: readonly string[], slot: Slot) {
    this.calls.push(`route ${app} ${domains.join(',')} ${slot}`);
  }
  async unroute(app: string) {
    this.calls.push(`unroute ${app}`);
  }
  async stage() {}
  async drainSlot() {}
  async servers() {
    return [];
  }
  async routedSlot() {
    return undefined;
  }
}

const NOW = new Date('2026-01-01T00:00:00.000Z');

function setup(hooks: AppServiceHooks = {}, baseDomain = '') {
  const store = new MemoryAppStore();
  const routing = new RecordingRouting();
  const cleanup = { removeContainers: jest.fn(async () => 2), removeVolumes: jest.fn(async (app: string, v: readonly string[]) => v.map((n) => `berth-${app}_${n}`)) };
  const service = new AppService(
    store,
    routing,
    cleanup as unknown as AppCleanup,
    { allowFileUrls: false, allowedHosts: [], baseDomain, drainSeconds: 30, webhookGraceHours: 24, now: () => NOW, resolver: { resolve: async () => ['93.184.216.34'] } },
    winston.createLogger({ silent: true }),
    hooks,
  );
  return { store, routing, cleanup, service };
}

const image = { name: 'web', image: 'berth-test/nginx:alpine', env: { SECRET: 'run-value' }, domains: ['web.test'] };

describe('AppService.create', () => {
  it('stores the app with secrets version 1, adds it to the proxy, and shows the webhook secret once', async () => {
    const { store, routing, service } = setup();
    const created = await service.create(image);
    expect(created).toMatchObject({ name: 'web', status: 'new', env: ['SECRET'], domains: ['web.test'], urls: ['http://web.test/'], version: 1 });
    expect(created.webhook_secret).toMatch(/^[0-9a-f]{64}$/);
    expect(routing.calls).toEqual(['add web']);
    expect(await store.secrets('web', 1)).toEqual({ env: { SECRET: 'run-value' }, buildEnv: {}, webhookSecret: created.webhook_secret });
    const shown = await service.get('web');
    expect(JSON.stringify(shown)).not.toContain(created.webhook_secret);
    expect(JSON.stringify(shown)).not.toContain('run-value');
  });

  it('gives each app its own webhook secret', async () => {
    const { service } = setup();
    const a = await service.create({ ...image, domains: [] });
    const b = await service.create({ ...image, name: 'api', domains: [] });
    expect(a.webhook_secret).not.toBe(b.webhook_secret);
  });

  it('answers name_conflict for a taken name, and for a domain of another app', async () => {
    const { service } = setup();
    await service.create(image);
    await expect(service.create(image)).rejects.toMatchObject({ code: 'name_conflict', field: 'name' });
    await expect(service.create({ ...image, name: 'other', domains: ['x.test', 'WEB.test'] })).rejects.toMatchObject({ code: 'name_conflict', field: 'domains[1]' });
  });

  it('answers a domain conflict for a domain another app took while this one was being made', async () => {
    const { store, service } = setup();
    await service.create(image);
    const list = store.list.bind(store);
    store.list = jest.fn().mockResolvedValueOnce([]).mockImplementation(list); // the check before the create saw no app yet
    await expect(service.create({ ...image, name: 'other' })).rejects.toMatchObject({ code: 'name_conflict', field: 'domains[0]' });
    expect(await store.get('other')).toBeUndefined();
  });

  it('routes <name>.<base domain> by default', async () => {
    const { service } = setup({}, 'apps.test');
    expect((await service.create({ name: 'web', image: 'web:1' })).domains).toEqual(['web.apps.test']);
  });

  it('refuses a repository on an internal address, as builds do, unless its host is allowed', async () => {
    const { service } = setup();
    const git = { name: 'web', git_repo: 'https://10.1.2.3/team/web.git', buildpack_type: 'nixpacks' };
    await expect(service.create(git)).rejects.toMatchObject({ code: 'invalid_input', field: 'git_repo' });
    await service.create({ ...image, domains: [] });
    await expect(service.patch('web', { image: undefined, git_repo: git.git_repo, buildpack_type: 'nixpacks' })).rejects.toMatchObject({ field: 'git_repo' });
  });

  it('keeps no app the proxy could not add', async () => {
    const { store, routing, service } = setup();
    routing.failAdd = new AppError('proxy_unavailable', 'down');
    await expect(service.create(image)).rejects.toMatchObject({ code: 'proxy_unavailable' });
    expect(await store.get('web')).toBeUndefined();
  });
});

describe('AppService.patch', () => {
  it('stores changed env values as a new secrets version and tells the deployments', async () => {
    const changed: string[] = [];
    const { store, service } = setup({ onConfigChanged: async (app) => void changed.push(`${app.name} v${app.config.secretsVersion}`) });
    await service.create(image);
    const view = await service.patch('web', { env: { SECRET: 'new-value', OTHER: 'x' } });
    expect(view).toMatchObject({ env: ['OTHER', 'SECRET'], version: 2 });
    const record = (await store.get('web')) as AppRecord;
    expect(record.config.secretsVersion).toBe(2);
    expect((await store.secrets('web', 2))?.env).toEqual({ SECRET: 'new-value', OTHER: 'x' });
    expect((await store.secrets('web', 1))?.env).toEqual({ SECRET: 'run-value' }); // a release may still run with it
    expect(changed).toEqual(['web v2']);
  });

  it('keeps the webhook secret across a secrets version', async () => {
    const { store, service } = setup();
    const { webhook_secret } = await service.create(image);
    await service.patch('web', { env: { SECRET: 'new-value' } });
    expect((await store.secrets('web', 2))?.webhookSecret).toBe(webhook_secret);
  });

  it('tells the deployments about a runtime change, not about one that applies at the next deployment', async () => {
    const changed: string[] = [];
    const { service } = setup({ onConfigChanged: async (app) => void changed.push(app.name) });
    await service.create(image);
    await service.patch('web', { health_check: { path: '/up' }, strategy: 'stop-first', drain_seconds: 5 });
    expect(changed).toEqual([]);
    await service.patch('web', { replicas: 2 });
    expect(changed).toEqual(['web']);
    await service.patch('web', { memory: '128m' });
    expect(changed).toEqual(['web', 'web']);
  });

  it('writes no secrets version when no secret changed', async () => {
    const { store, service } = setup();
    await service.create(image);
    await service.patch('web', { replicas: 2, env: { SECRET: 'run-value' } });
    expect((await store.get('web'))?.config.secretsVersion).toBe(1);
  });

  it('keeps no git credentials once the app runs an image', async () => {
    const { store, service } = setup();
    await service.create({ name: 'web', git_repo: 'https://git.example.test/web.git', buildpack_type: 'nixpacks', git_credentials: { token: 'tok' }, domains: [] });
    await expect(service.patch('web', { image: 'web:2' })).resolves.toMatchObject({ has_git_credentials: false, source: { type: 'image' } });
    const record = (await store.get('web')) as AppRecord;
    expect((await store.secrets('web', record.config.secretsVersion))?.credentials).toBeUndefined();
  });

  it('re-routes new domains when a release is live, and only then', async () => {
    const { store, routing, service } = setup();
    await service.create(image);
    await service.patch('web', { domains: ['a.test'] });
    expect(routing.calls).toEqual(['add web']);
    const record = (await store.get('web')) as AppRecord;
    await store.update({ ...record, liveRelease: 3, liveSlot: 'b', version: record.version + 1 }, record.version);
    await service.patch('web', { domains: ['a.test', 'b.test'] });
    expect(routing.calls).toEqual(['add web', 'route web a.test,b.test b']);
  });

  it('tells of new domains at creation and on a change, never waiting on the hook or failing with it', async () => {
    const told: string[] = [];
    const { service } = setup({
      onDomainsChanged: (app) => {
        told.push(`${app.name} ${app.domains.join(',')}`);
        if (app.domains.includes('boom.test')) throw new Error('boom');
      },
    });
    await service.create(image);
    await service.create({ ...image, name: 'bare', domains: [] });
    await service.patch('web', { replicas: 2 });
    await service.patch('web', { domains: ['a.test', 'boom.test'] });
    expect(told).toEqual(['web web.test', 'web a.test,boom.test']);
  });

  it('refuses a domain of another app, and an unknown app', async () => {
    const { service } = setup();
    await service.create(image);
    await service.create({ name: 'api', image: 'api:1' });
    await expect(service.patch('api', { domains: ['web.test'] })).rejects.toBeInstanceOf(ConflictError);
    await expect(service.patch('nope', { replicas: 2 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('re-reads and re-applies the change when another writer came first', async () => {
    const { store, service } = setup();
    await service.create(image);
    let raced = false;
    store.beforeUpdate = () => {
      if (raced) return;
      raced = true;
      const record = store.records.get('web') as AppRecord;
      store.records.set('web', { ...record, domains: ['raced.test'], version: record.version + 1 });
    };
    const view = await service.patch('web', { replicas: 3 });
    expect(view).toMatchObject({ replicas: 3, domains: ['raced.test'], version: 3 });
  });
});

describe('AppService.rotateWebhookSecret', () => {
  it('shows a new secret once and keeps the previous one valid for the grace period', async () => {
    const { store, service } = setup();
    const { webhook_secret: first } = await service.create(image);
    const rotated = await service.rotateWebhookSecret('web');
    expect(rotated.webhook_secret).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated.webhook_secret).not.toBe(first);
    expect(rotated.previous_valid_until).toBe('2026-01-02T00:00:00.000Z');
    const record = (await store.get('web')) as AppRecord;
    expect(await store.secrets('web', record.config.secretsVersion)).toMatchObject({
      env: { SECRET: 'run-value' },
      webhookSecret: rotated.webhook_secret,
      previousWebhookSecret: { secret: first, validUntil: '2026-01-02T00:00:00.000Z' },
    });
  });
});

describe('AppService.remove', () => {
  it('removes routes, containers, then the record; volumes only when asked', async () => {
    const { store, routing, cleanup, service } = setup();
    await service.create({ ...image, volumes: { data: '/data' } });
    await service.remove('web', false);
    expect(routing.calls).toEqual(['add web', 'remove web']);
    expect(cleanup.removeContainers).toHaveBeenCalledWith('web');
    expect(cleanup.removeVolumes).not.toHaveBeenCalled();
    expect(await store.get('web')).toBeUndefined();
    expect(store.secretVersions.size).toBe(0);

    await service.create({ ...image, volumes: { data: '/data' } });
    await service.remove('web', true);
    expect(cleanup.removeVolumes).toHaveBeenCalledWith('web', ['data']);
    await expect(service.remove('web', true)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('removes the containers and volumes on the nodes of its live release and its next deploy; a node no longer configured is skipped', async () => {
    const edge = { removeContainers: jest.fn(async () => 1), removeVolumes: jest.fn(async (app: string, v: readonly string[]) => v.map((n) => `berth-${app}_${n}`)) };
    const nodeCleanup = jest.fn(async (node: string) => (node === 'edge' ? (edge as unknown as AppCleanup) : undefined));
    const { store, cleanup, service } = setup({ nodeCleanup });
    await service.create({ ...image, volumes: { data: '/data' } });
    const created = (await store.get('web'))!;
    await store.update({ ...created, liveNode: 'edge', config: { ...created.config, node: 'old' }, version: created.version + 1 }, created.version);
    await service.remove('web', true);
    expect(nodeCleanup.mock.calls.map(([node]) => node)).toEqual(['edge', 'old']);
    expect(cleanup.removeContainers).toHaveBeenCalledWith('web');
    expect(edge.removeContainers).toHaveBeenCalledWith('web');
    expect(edge.removeVolumes).toHaveBeenCalledWith('web', ['data']);
    expect(await store.get('web')).toBeUndefined();
  });

  it('keeps the record when the clean-up fails, so asking again finishes it', async () => {
    const { store, cleanup, service } = setup();
    await service.create(image);
    cleanup.removeContainers.mockRejectedValueOnce(new AppError('engine_unavailable', 'down'));
    await expect(service.remove('web', false)).rejects.toMatchObject({ code: 'engine_unavailable' });
    expect(await store.get('web')).toBeDefined();
    await service.remove('web', false);
    expect(await store.get('web')).toBeUndefined();
  });
});

describe('AppService views: status', () => {
  const replica = (state: string): AppReplicaState => ({ replica: 1, containerId: 'c', state, restarts: 0 });
  async function statusWith(read: Awaited<ReturnType<AppReplicaReader['read']>>, change: Partial<AppRecord> = {}, replicas = 2) {
    const { store, service } = setup({ replicas: { read: async () => read } });
    await service.create({ ...image, replicas });
    const record = (await store.get('web')) as AppRecord;
    await store.update({ ...record, ...change, version: record.version + 1 }, record.version);
    return (await service.get('web')).status;
  }

  it('derives new, deploying, running, degraded, crashed and stopped', async () => {
    expect(await statusWith({ deploying: false, replicas: [] })).toBe('new');
    expect(await statusWith({ deploying: true, replicas: [] })).toBe('deploying');
    expect(await statusWith({ deploying: false, replicas: [replica('running'), replica('running')] }, { liveRelease: 1 })).toBe('running');
    expect(await statusWith({ deploying: false, replicas: [replica('running'), replica('restarting')] }, { liveRelease: 1 })).toBe('degraded');
    expect(await statusWith({ deploying: false, replicas: [replica('exited')] }, { liveRelease: 1 })).toBe('crashed');
    expect(await statusWith({ deploying: true, replicas: [] }, { liveRelease: 1, stopped: true })).toBe('stopped');
  });

  it('lists every app with its status', async () => {
    const { service } = setup();
    await service.create(image);
    await service.create({ name: 'api', image: 'api:1' });
    expect((await service.list()).apps.map((a) => [a.name, a.status])).toEqual([
      ['api', 'new'],
      ['web', 'new'],
    ]);
  });
});
