import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { JobSpec } from './job.record';
import { RedisJobStore } from './redis-job.store';

// The Lua scripts are the fence: they run against the real Redis the whole suite uses.
const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ID = '0f0e0d0c-0b0a-4900-8800-000000000001';
const spec: JobSpec = { id: ID, image: 'img', main: 'm.sh', run: ['sh', 'm.sh'], env: {}, timeoutSeconds: 5, network: 'none', source: { kind: 'upload' } };

let redis: Redis;
let prefix: string;
let store: RedisJobStore;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
beforeEach(async () => {
  prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
  store = new RedisJobStore(redis, { prefix, logMaxBytes: 200, retentionSeconds: 60 });
  await store.create(spec, '2026-01-01T00:00:00.000Z');
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});
afterAll(() => redis.disconnect());

describe('RedisJobStore', () => {
  it('refuses the writes of an attempt that another one took over', async () => {
    const first = await store.countAttempt(ID);
    expect(await store.transition(ID, 'running', { startedAt: 'a' }, first)).toBe(true);
    const second = await store.countAttempt(ID);
    expect(await store.transition(ID, 'failed', { error: { code: 'x', message: 'stale' } }, first)).toBe(false);
    await store.appendLog(ID, [{ time: 't', text: 'from the first' }], first);
    await store.appendLog(ID, [{ time: 't', text: 'from the second' }], second);
    expect((await store.readLog(ID, 0)).map((l) => l.text)).toEqual(['from the second']);
    expect(await store.transition(ID, 'succeeded', { exitCode: 0, outputBytes: 10 }, second)).toBe(true);
    expect(await store.get(ID)).toMatchObject({ status: 'succeeded', exitCode: 0, outputBytes: 10, attempts: 2, startedAt: 'a' });
  });

  it('keeps an ended job ended, caps the log, and lists by status', async () => {
    expect(await store.transition(ID, 'cancelled', { endedAt: 'e' })).toBe(true);
    expect(await store.transition(ID, 'running')).toBe(false);
    expect(await store.appendLog(ID, [{ time: 't', text: 'x'.repeat(300) }])).toBe(true);
    const log = await store.readLog(ID, 0);
    expect(log).toHaveLength(1);
    expect(log[0]?.text).toMatch(/log truncated/);
    expect((await store.list({ status: 'cancelled', limit: 10, offset: 0 })).total).toBe(1);
    expect((await store.list({ status: 'running', limit: 10, offset: 0 })).total).toBe(0);
    await store.remove(ID);
    expect(await store.get(ID)).toBeUndefined();
    expect(await store.countAttempt(ID)).toBe(0);
  });
});
