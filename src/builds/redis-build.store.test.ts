import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { validateBuildRequest } from './build-request';
import { RedisBuildStore } from './redis-build.store';

// The Lua scripts are the fence: they run against the real Redis the whole suite uses.
const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let redis: Redis;
let prefix: string;
let store: RedisBuildStore;

function spec(id: string) {
  return validateBuildRequest(
    { id, git_repo: 'https://git.example.test/app.git', buildpack_type: 'dockerfile', image_tag: 'app' },
    { allowFileUrls: false, newId: () => id },
  ).spec;
}

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
beforeEach(() => {
  prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
  store = new RedisBuildStore(redis, { prefix, logMaxBytes: 10_000, retentionSeconds: 60 });
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});
afterAll(() => {
  redis.disconnect();
});

describe('RedisBuildStore: the log', () => {
  it('keeps lines up to the byte cap, then one notice, and nothing after it', async () => {
    store = new RedisBuildStore(redis, { prefix, logMaxBytes: 200, retentionSeconds: 60 });
    await store.create(spec('b1'), new Date().toISOString());
    const line = { time: 't', text: 'x'.repeat(40) };
    await store.appendLog('b1', [line, line]);
    await store.appendLog('b1', [line, line, line]);
    await store.appendLog('b1', [{ time: 't', text: 'after' }]);
    const log = await store.readLog('b1', 0);
    expect(log.map((l) => l.text)).toEqual([line.text, line.text, line.text, expect.stringMatching(/log truncated/)]);
    expect(log.map((l) => l.seq)).toEqual([0, 1, 2, 3]);
    expect((await store.get('b1'))?.logTruncated).toBe(true);
  });
});

describe('RedisBuildStore: the attempt fence', () => {
  it('accepts the latest attempt and refuses a stale one, for transitions, fields and log lines', async () => {
    await store.create(spec('b1'), new Date().toISOString());
    expect(await store.countAttempt('b1')).toBe(1);
    expect(await store.transition('b1', 'cloning', {}, 1)).toBe(true);
    expect(await store.countAttempt('b1')).toBe(2); // another worker took the build up

    expect(await store.transition('b1', 'succeeded', { images: [{ tag: 'app:latest', id: 'sha256:old' }] }, 1)).toBe(false);
    expect(await store.update('b1', { commit: 'abc1234' }, 1)).toBe(false);
    await store.appendLog('b1', [{ time: 't', text: 'from attempt 1' }], 1);
    expect(await store.get('b1')).toMatchObject({ status: 'cloning', attempts: 2 });
    expect((await store.get('b1'))?.images).toBeUndefined();
    expect((await store.get('b1'))?.commit).toBeUndefined();
    expect(await store.readLog('b1', 0)).toEqual([]);

    expect(await store.update('b1', { commit: 'abc1234' }, 2)).toBe(true);
    await store.appendLog('b1', [{ time: 't', text: 'from attempt 2' }], 2);
    expect(await store.transition('b1', 'succeeded', { images: [{ tag: 'app:latest', id: 'sha256:new' }] }, 2)).toBe(true);
    expect(await store.get('b1')).toMatchObject({ status: 'succeeded', commit: 'abc1234', images: [{ tag: 'app:latest', id: 'sha256:new' }] });
    expect((await store.readLog('b1', 0)).map((l) => l.text)).toEqual(['from attempt 2']);
  });

  it('leaves writes without an attempt (the API, the queue listener) unfenced', async () => {
    await store.create(spec('b1'), new Date().toISOString());
    await store.countAttempt('b1');
    expect(await store.transition('b1', 'cancelled')).toBe(true);
    await store.appendLog('b1', [{ time: 't', text: 'cancelled' }]);
    expect((await store.readLog('b1', 0)).map((l) => l.text)).toEqual(['cancelled']);
  });

  it('never ends a build twice, whatever the attempt', async () => {
    await store.create(spec('b1'), new Date().toISOString());
    await store.countAttempt('b1');
    expect(await store.transition('b1', 'failed', {}, 1)).toBe(true);
    expect(await store.transition('b1', 'succeeded', {}, 1)).toBe(false);
  });

  it('keeps the claim of an attempt (publishing) with the record', async () => {
    await store.create(spec('b1'), new Date().toISOString());
    await store.countAttempt('b1');
    const publishing = [{ tag: 'app:latest', id: 'sha256:x', temporaryTag: 'berth-attempt/h:a1-0' }];
    expect(await store.transition('b1', 'building', { publishing }, 1)).toBe(true);
    expect((await store.get('b1'))?.publishing).toEqual(publishing);
  });

  it('counts no attempt of a forgotten build, and makes no record of it', async () => {
    expect(await store.countAttempt('gone')).toBe(0);
    expect(await redis.exists(`${prefix}:build:gone`)).toBe(0);
  });
});

describe('RedisBuildStore: creating a build with its sealed secrets', () => {
  it('stores the record and the secrets in one step, the secrets expiring with the retention', async () => {
    const { created } = await store.create(spec('b1'), new Date().toISOString(), 'sealed-blob');
    expect(created).toBe(true);
    expect(await store.takeSecrets('b1')).toBe('sealed-blob');
    const ttl = await redis.ttl(`${prefix}:build:b1:secret`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('never replaces the secrets of a build that exists, nor stores any for it', async () => {
    await store.create(spec('b1'), new Date().toISOString(), 'first');
    expect((await store.create(spec('b1'), new Date().toISOString(), 'second')).created).toBe(false);
    expect(await store.takeSecrets('b1')).toBe('first');
    await store.create(spec('b2'), new Date().toISOString());
    expect((await store.create(spec('b2'), new Date().toISOString(), 'late')).created).toBe(false);
    expect(await store.takeSecrets('b2')).toBeUndefined();
  });

  it('forgets the secrets in the step that ends the build, and keeps them while it runs', async () => {
    for (const [id, end] of [
      ['b1', 'succeeded'],
      ['b2', 'failed'],
      ['b3', 'cancelled'],
    ] as const) {
      await store.create(spec(id), new Date().toISOString(), `sealed-${id}`);
      expect(await store.transition(id, 'building')).toBe(true);
      expect(await store.takeSecrets(id)).toBe(`sealed-${id}`);
      expect(await store.transition(id, end)).toBe(true);
      expect(await store.takeSecrets(id)).toBeUndefined();
    }
  });
});
