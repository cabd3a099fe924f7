import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { runtimeConfig } from '../apps/testing/app-record.fixture';
import type { ReleaseRecord } from './deployment.record';
import { RedisReleaseStore } from './redis-release.store';

const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let redis: Redis;
let prefix: string;
let store: RedisReleaseStore;

function release(number: number, extra: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    app: 'web',
    number,
    deploymentId: `d${number}`,
    imageId: `sha256:${String(number).padStart(64, '0')}`,
    image: `berth-app/web:r${number}`,
    config: runtimeConfig(),
    port: 3000,
    setPortEnv: true,
    createdAt: new Date().toISOString(),
    ...extra,
  };
}

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
beforeEach(() => {
  prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
  store = new RedisReleaseStore(redis, { prefix });
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});
afterAll(() => {
  redis.disconnect();
});

describe('RedisReleaseStore', () => {
  it('reserves numbers never reused, also when asked at once', async () => {
    const numbers = await Promise.all(Array.from({ length: 10 }, () => store.reserve('web')));
    expect([...numbers].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await store.reserve('api')).toBe(1);
  });

  it('keeps the newest N and says which it dropped', async () => {
    for (const n of [1, 2, 3]) expect(await store.add(release(n), 3)).toEqual([]);
    expect(await store.add(release(4), 3)).toEqual([1]);
    expect(await store.add(release(5), 2)).toEqual([2, 3]);
    expect((await store.list('web')).map((r) => r.number)).toEqual([5, 4]);
    expect(await store.get('web', 1)).toBeUndefined();
    expect(await store.get('web', 5)).toMatchObject({ number: 5, deploymentId: 'd5' });
  });

  it('never replaces a stored release (immutable)', async () => {
    await store.add(release(1, { image: 'first' }), 5);
    await store.add(release(1, { image: 'second' }), 5);
    expect((await store.get('web', 1))?.image).toBe('first');
    expect(await store.list('web')).toHaveLength(1);
  });

  it('removes an app releases and its counter only', async () => {
    await store.reserve('web');
    await store.add(release(1), 5);
    await store.add(release(1, { app: 'api' }), 5);
    await store.removeApp('web');
    expect(await store.list('web')).toEqual([]);
    expect(await store.reserve('web')).toBe(1);
    expect(await store.list('api')).toHaveLength(1);
  });
});
