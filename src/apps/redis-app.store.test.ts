import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { SecretBox } from '../builds/secret-box';
import type { AppRecord, AppSecrets } from './app.record';
import { RedisAppStore } from './redis-app.store';
import { appRecord, runtimeConfig } from './testing/app-record.fixture';

// The Lua steps and the sealing run against the real Redis the whole suite uses.
const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let redis: Redis;
let prefix: string;
let box: SecretBox;
let store: RedisAppStore;

function record(name: string, change: Partial<AppRecord> = {}): AppRecord {
  return appRecord(name, { source: { type: 'image', image: 'web:1' }, config: runtimeConfig({ envNames: ['DB_PASSWORD'] }), domains: [`${name}.test`], ...change });
}
const secrets = (value: string): AppSecrets => ({ env: { DB_PASSWORD: value }, buildEnv: {}, webhookSecret: `hook-${value}` });

/** Every value under the test's prefix, as stored. */
async function everything(): Promise<string> {
  const keys = await redis.keys(`${prefix}:*`);
  const read: Record<string, (k: string) => Promise<unknown>> = {
    string: (k) => redis.get(k),
    hash: (k) => redis.hgetall(k),
    zset: (k) => redis.zrange(k, '0', '-1'),
  };
  const values = await Promise.all(keys.map(async (k) => JSON.stringify(await (read[await redis.type(k)] ?? (() => Promise.resolve(`unread type of ${k}`)))(k))));
  return values.join('\n');
}

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
beforeEach(() => {
  prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
  box = new SecretBox(randomBytes(32));
  store = new RedisAppStore(redis, { prefix, secretBox: box });
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});
afterAll(() => {
  redis.disconnect();
});

describe('RedisAppStore', () => {
  it('creates an app once, lists apps by name, and reads them back', async () => {
    expect(await store.create(record('web'), secrets('one'))).toBe(true);
    expect(await store.create(record('web', { domains: ['other.test'] }), secrets('two'))).toBe(false);
    expect(await store.create(record('api'), secrets('three'))).toBe(true);
    expect(await store.get('web')).toEqual(record('web'));
    expect(await store.get('nope')).toBeUndefined();
    expect((await store.list()).map((r) => r.name)).toEqual(['api', 'web']);
    expect(await store.secrets('web', 1)).toEqual(secrets('one'));
  });

  it('keeps secret values only sealed', async () => {
    await store.create(record('web'), secrets('plain-value-1'));
    const version = await store.nextSecretsVersion('web');
    await store.update(record('web', { version: 2, config: { ...record('web').config, secretsVersion: version } }), 1, { version, value: secrets('plain-value-2') });
    const stored = await everything();
    expect(stored).toContain('DB_PASSWORD'); // the names are in the record
    expect(stored).not.toContain('plain-value');
  });

  it('binds each sealed version to its app and version: a blob copied elsewhere does not open', async () => {
    await store.create(record('web'), secrets('one'));
    await store.create(record('api'), secrets('two'));
    await redis.set(`${prefix}:app:api:secrets:1`, (await redis.get(`${prefix}:app:web:secrets:1`)) ?? '');
    await expect(store.secrets('api', 1)).rejects.toMatchObject({ code: 'secrets_unreadable' });
  });

  it('writes only over the version it read, storing a new secrets version with the record', async () => {
    await store.create(record('web'), secrets('one'));
    const version = await store.nextSecretsVersion('web');
    expect(version).toBe(2);
    const next = record('web', { version: 2, domains: ['new.test'], config: { ...record('web').config, secretsVersion: 2 } });
    expect(await store.update(next, 1, { version: 2, value: secrets('two') })).toBe(true);
    expect(await store.update(record('web', { version: 2, domains: ['stale.test'] }), 1)).toBe(false);
    expect(await store.get('web')).toEqual(next);
    expect(await store.secrets('web', 2)).toEqual(secrets('two'));
    expect(await store.secrets('web', 1)).toEqual(secrets('one'));
    expect(await store.update(record('gone', { version: 2 }), 1)).toBe(false);
    expect(await store.get('gone')).toBeUndefined();
  });

  it('gives a domain to one app only, even to two creates at once', async () => {
    const results = await Promise.all([
      store.create(record('a', { domains: ['shared.test'] }), secrets('1')),
      store.create(record('b', { domains: ['shared.test'] }), secrets('2')),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const loser = results[0] ? 'b' : 'a';
    expect(await store.get(loser)).toBeUndefined();
    expect(await store.secrets(loser, 1)).toBeUndefined();
  });

  it("refuses an update taking another app's domain, and frees the domains an app gives up or a removed app had", async () => {
    await store.create(record('web', { domains: ['web.test', 'old.test'] }), secrets('one'));
    await store.create(record('api'), secrets('two'));
    expect(await store.update(record('api', { version: 2, domains: ['web.test'] }), 1)).toBe(false);
    expect((await store.get('api'))?.version).toBe(1);
    expect(await store.update(record('web', { version: 2, domains: ['web.test'] }), 1)).toBe(true);
    expect(await store.update(record('api', { version: 2, domains: ['api.test', 'old.test'] }), 1)).toBe(true);
    await store.remove('web');
    expect(await store.create(record('www', { domains: ['web.test'] }), secrets('three'))).toBe(true);
    expect(await redis.hgetall(`${prefix}:app-domains`)).toEqual({ 'web.test': 'www', 'api.test': 'api', 'old.test': 'api' });
  });

  it('prunes the secrets versions not kept, and never reuses a version number', async () => {
    await store.create(record('web'), secrets('one'));
    for (const v of ['two', 'three']) {
      const version = await store.nextSecretsVersion('web');
      await redis.set(`${prefix}:app:web:secrets:${version}`, box.seal(`app:web:secrets:${version}`, JSON.stringify(secrets(v))));
    }
    await store.pruneSecrets('web', [3]);
    expect(await store.secrets('web', 1)).toBeUndefined();
    expect(await store.secrets('web', 2)).toBeUndefined();
    expect(await store.secrets('web', 3)).toEqual(secrets('three'));
    expect(await store.nextSecretsVersion('web')).toBe(4);
  });

  it('removes the record, its secrets, its releases and its deployment index', async () => {
    await store.create(record('web'), secrets('one'));
    await store.create(record('api'), secrets('two'));
    await redis.zadd(`${prefix}:app:web:releases`, 1, '1', 2, '2');
    await redis.set(`${prefix}:release:web:1`, '{}');
    await redis.set(`${prefix}:release:web:2`, '{}');
    await redis.zadd(`${prefix}:app:web:deploys`, 1, 'd1');
    await redis.set(`${prefix}:app:web:release-seq`, '2');
    await store.remove('web');
    expect(await redis.keys(`${prefix}:*web*`)).toEqual([]);
    expect((await store.list()).map((r) => r.name)).toEqual(['api']);
    expect(await store.secrets('api', 1)).toEqual(secrets('two'));
    await store.remove('web'); // again: nothing left to do, no error
  });
});
