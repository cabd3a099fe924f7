import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DeploymentRecord } from './deployment.record';
import { RedisDeploymentStore } from './redis-deployment.store';

// The Lua scripts are the fence and the latest-wins rule: they run against the real Redis.
const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let redis: Redis;
let prefix: string;
let store: RedisDeploymentStore;

function deployment(id: string, extra: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return { id, app: 'web', kind: 'deploy', status: 'queued', trigger: 'api', force: false, times: { queued: new Date().toISOString() }, attempts: 0, ...extra };
}

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
beforeEach(() => {
  prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
  store = new RedisDeploymentStore(redis, { prefix, logMaxBytes: 200, retentionSeconds: 60 });
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});
afterAll(() => {
  redis.disconnect();
});

describe('RedisDeploymentStore: records', () => {
  it('stores a deployment and reads it back with every field', async () => {
    await store.create(deployment('d1', { gitCommit: 'abc1234', force: true, previousRelease: 3 }));
    await store.update('d1', { buildId: 'dep-d1', error: { code: 'x', message: 'y' }, release: 4, slot: 'b' });
    expect(await store.get('d1')).toMatchObject({
      id: 'd1',
      app: 'web',
      kind: 'deploy',
      status: 'queued',
      gitCommit: 'abc1234',
      force: true,
      previousRelease: 3,
      buildId: 'dep-d1',
      error: { code: 'x', message: 'y' },
      release: 4,
      slot: 'b',
      attempts: 0,
    });
    expect(await store.get('nope')).toBeUndefined();
    await expect(store.create(deployment('d1'))).rejects.toMatchObject({ code: 'state_conflict' });
    expect((await store.get('d1'))?.buildId).toBe('dep-d1');
  });

  it('lists an app newest first, with paging, and only its own', async () => {
    await store.create(deployment('d1', { times: { queued: '2026-01-01T00:00:01Z' } }));
    await store.create(deployment('d2', { times: { queued: '2026-01-01T00:00:02Z' } }));
    await store.create(deployment('other', { app: 'api' }));
    expect((await store.list('web', 10, 0)).records.map((r) => r.id)).toEqual(['d2', 'd1']);
    expect(await store.list('web', 1, 1)).toMatchObject({ total: 2, records: [{ id: 'd1' }] });
  });

  it('records the time of each phase and of the end', async () => {
    await store.create(deployment('d1'));
    await store.transition('d1', 'building');
    await store.transition('d1', 'failed', { error: { code: 'build_failed', message: 'no' } });
    const record = await store.get('d1');
    expect(Object.keys(record?.times ?? {}).sort()).toEqual(['building', 'failed', 'queued']);
    expect(record?.error).toEqual({ code: 'build_failed', message: 'no' });
  });
});

describe('RedisDeploymentStore: the attempt fence and ends', () => {
  it('refuses a stale attempt for transitions, fields and log lines', async () => {
    await store.create(deployment('d1'));
    expect(await store.countAttempt('d1')).toBe(1);
    expect(await store.transition('d1', 'building', {}, 1)).toBe(true);
    expect(await store.countAttempt('d1')).toBe(2); // another worker took it up

    expect(await store.transition('d1', 'starting', { release: 7 }, 1)).toBe(false);
    expect(await store.update('d1', { commit: 'abc1234' }, 1)).toBe(false);
    expect(await store.appendLog('d1', [{ time: 't', text: 'from attempt 1' }], 1)).toBe(false);
    expect(await store.get('d1')).toMatchObject({ status: 'building', attempts: 2 });
    expect((await store.get('d1'))?.release).toBeUndefined();
    expect(await store.readLog('d1', 0)).toEqual([]);

    expect(await store.transition('d1', 'starting', { release: 7 }, 2)).toBe(true);
    expect(await store.get('d1')).toMatchObject({ status: 'starting', release: 7 });
  });

  it('never overwrites an ended deployment, whatever the attempt', async () => {
    await store.create(deployment('d1'));
    await store.countAttempt('d1');
    expect(await store.transition('d1', 'failed', {}, 1)).toBe(true);
    expect(await store.transition('d1', 'succeeded', {}, 1)).toBe(false);
    expect(await store.transition('d1', 'cancelled')).toBe(false);
    expect((await store.get('d1'))?.status).toBe('failed');
  });

  it('lets an ended deployment and its log expire, but keeps a succeeded record (a release names it)', async () => {
    await store.create(deployment('d1'));
    await store.appendLog('d1', [{ time: 't', text: 'line' }]);
    await store.transition('d1', 'failed');
    expect(await redis.ttl(`${prefix}:deploy:d1`)).toBeGreaterThan(0);
    expect(await redis.ttl(`${prefix}:deploy:d1:log`)).toBeGreaterThan(0);
    await store.create(deployment('d2'));
    await store.appendLog('d2', [{ time: 't', text: 'line' }]);
    await store.transition('d2', 'succeeded');
    expect(await redis.ttl(`${prefix}:deploy:d2`)).toBe(-1);
    expect(await redis.ttl(`${prefix}:deploy:d2:log`)).toBeGreaterThan(0);
  });

  it('counts no attempt of a forgotten deployment and makes no record of it', async () => {
    expect(await store.countAttempt('gone')).toBe(0);
    expect(await store.transition('gone', 'building')).toBe(false);
    expect(await redis.exists(`${prefix}:deploy:gone`)).toBe(0);
  });

  it('caps the log in bytes with one notice', async () => {
    await store.create(deployment('d1'));
    const line = 'x'.repeat(60);
    expect(
      await store.appendLog(
        'd1',
        [1, 2, 3, 4, 5].map(() => ({ time: 't', text: line })),
      ),
    ).toBe(false);
    const log = await store.readLog('d1', 0);
    expect(log.length).toBeLessThan(5);
    expect(log.at(-1)?.text).toMatch(/log truncated/);
    expect(log.map((l) => l.seq)).toEqual(log.map((_, i) => i));
    expect((await store.get('d1'))?.logTruncated).toBe(true);
  });
});

describe('RedisDeploymentStore: latest wins', () => {
  it('supersedes the app queued deployments in the same step, not another app nor a claimed one', async () => {
    await store.create(deployment('claimed'));
    expect(await store.claim('web', 'claimed')).toBe(true);
    expect((await store.create(deployment('d1'))).superseded).toEqual([]);
    await store.create(deployment('elsewhere', { app: 'api' }));
    const { superseded } = await store.create(deployment('d3'));
    expect(superseded).toEqual(['d1']);
    expect(await store.get('d1')).toMatchObject({ status: 'superseded', reason: 'superseded by deployment d3' });
    expect((await store.get('d1'))?.times.superseded).toBeDefined();
    expect((await store.get('claimed'))?.status).toBe('queued');
    expect((await store.get('elsewhere'))?.status).toBe('queued');
    expect((await store.active('web')).map((r) => r.id).sort()).toEqual(['claimed', 'd3']);
  });

  it('leaves exactly one of many concurrent creates queued', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
    const results = await Promise.all(ids.map((id) => store.create(deployment(id))));
    const queued = (await Promise.all(ids.map((id) => store.get(id)))).filter((r) => r?.status === 'queued');
    expect(queued).toHaveLength(1);
    expect(results.flatMap((r) => r.superseded).sort()).toEqual(ids.filter((id) => id !== queued[0]?.id).sort());
  });

  it('supersedes no deployment past queued', async () => {
    await store.create(deployment('d1'));
    await store.transition('d1', 'building');
    expect((await store.create(deployment('d2'))).superseded).toEqual([]);
    expect((await store.get('d1'))?.status).toBe('building');
  });
});

describe('RedisDeploymentStore: the claim', () => {
  it('gives the claim to one of two deployments claiming at once', async () => {
    await store.create(deployment('d1'));
    await store.transition('d1', 'building'); // keep d1 from being superseded
    await store.create(deployment('d2'));
    const results = await Promise.all([store.claim('web', 'd1'), store.claim('web', 'd2')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await redis.get(`${prefix}:app:web:claim`)).toBe(results[0] ? 'd1' : 'd2');
  });

  it('is re-claimable by its holder, and freed when the holder ends', async () => {
    await store.create(deployment('d1'));
    await store.transition('d1', 'building');
    await store.create(deployment('d2'));
    expect(await store.claim('web', 'd1')).toBe(true);
    expect(await store.claim('web', 'd1')).toBe(true);
    expect(await store.claim('web', 'd2')).toBe(false);
    await store.transition('d1', 'succeeded');
    expect(await redis.exists(`${prefix}:app:web:claim`)).toBe(0);
    expect(await store.claim('web', 'd2')).toBe(true);
  });

  it('takes over a claim whose holder ended or vanished, and is refused to an ended deployment', async () => {
    await store.create(deployment('d1'));
    await redis.set(`${prefix}:app:web:claim`, 'vanished');
    expect(await store.claim('web', 'd1')).toBe(true);
    await store.transition('d1', 'cancelled');
    expect(await store.claim('web', 'd1')).toBe(false);
  });

  it('ending a deployment leaves a claim held by another untouched', async () => {
    await store.create(deployment('d1'));
    await store.transition('d1', 'building');
    await store.create(deployment('d2'));
    expect(await store.claim('web', 'd1')).toBe(true);
    await store.transition('d2', 'cancelled');
    expect(await redis.get(`${prefix}:app:web:claim`)).toBe('d1');
  });
});

describe('RedisDeploymentStore: cancel and removal', () => {
  it('records a cancel request only for a deployment that exists', async () => {
    await store.create(deployment('d1'));
    await store.requestCancel('d1');
    await store.requestCancel('gone');
    expect((await store.get('d1'))?.cancelRequested).toBe(true);
    expect(await redis.exists(`${prefix}:deploy:gone`)).toBe(0);
  });

  it('removes an app deployments, logs, index and claim', async () => {
    await store.create(deployment('d1'));
    await store.appendLog('d1', [{ time: 't', text: 'x' }]);
    await store.claim('web', 'd1');
    await store.create(deployment('keep', { app: 'api' }));
    await store.removeApp('web');
    expect((await redis.keys(`${prefix}:*`)).sort()).toEqual([`${prefix}:app:api:deploys`, `${prefix}:app:api:deploys-active`, `${prefix}:deploy:keep`].sort());
  });
});
