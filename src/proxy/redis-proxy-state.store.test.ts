import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ProxyError } from '../errors';
import { RedisProxyState } from './redis-proxy-state.store';

// The lock and the fenced save are Lua and SET NX on the real Redis the whole suite uses.
const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let redis: Redis[];
let prefix: string;

beforeAll(() => {
  redis = [new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }), new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })];
});
beforeEach(() => {
  prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
});
afterEach(async () => {
  await redis[0]!.del(`${prefix}:proxy:desired`, `${prefix}:proxy:lock`);
});
afterAll(() => {
  redis.forEach((r) => r.disconnect());
});

/** One read-modify-write: a route added under the lock, with a pause between load and save. */
function addRoute(store: RedisProxyState, n: number): Promise<void> {
  return store.exclusive(async (session) => {
    const state = await session.load();
    await sleep(2);
    const backends = state.backends.length > 0 ? state.backends : [{ name: 'app.a', servers: [] }];
    await session.save({ backends, routes: [...state.routes, { host: `h${n}.example.test`, backend: 'app.a' }] });
  });
}

describe('RedisProxyState', () => {
  it('loses no change when two processes change the state at once', async () => {
    const stores = redis.map((r) => new RedisProxyState(r, { prefix }));
    await Promise.all(Array.from({ length: 40 }, (_, n) => addRoute(stores[n % 2]!, n)));
    const hosts = (await stores[0]!.read()).routes.map((r) => r.host);
    expect(hosts.sort()).toEqual(Array.from({ length: 40 }, (_, n) => `h${n}.example.test`).sort());
    expect(await redis[0]!.exists(`${prefix}:proxy:lock`)).toBe(0);
  });

  it('keeps the lock past its TTL while the change runs, by renewing it', async () => {
    const [one, two] = redis.map((r) => new RedisProxyState(r, { prefix, lockTtlMs: 150, acquireTimeoutMs: 5000 }));
    const order: string[] = [];
    const slow = one!.exclusive(async () => {
      order.push('slow start');
      await sleep(600);
      order.push('slow end');
    });
    await sleep(50);
    await two!.exclusive(async () => void order.push('fast'));
    await slow;
    expect(order).toEqual(['slow start', 'slow end', 'fast']);
  });

  it('refuses the save of a holder that lost the lock, and times out waiting for a held lock', async () => {
    const [one, two] = redis.map((r) => new RedisProxyState(r, { prefix, acquireTimeoutMs: 200 }));
    const lost = one!.exclusive(async (session) => {
      await redis[0]!.set(`${prefix}:proxy:lock`, 'someone-else');
      await session.save({ backends: [], routes: [] });
    });
    await expect(lost).rejects.toMatchObject({ code: 'proxy_error' });
    expect(await redis[0]!.get(`${prefix}:proxy:lock`)).toBe('someone-else'); // not released by the wrong token
    await expect(two!.exclusive(async () => undefined)).rejects.toThrow(ProxyError);
    expect(await redis[0]!.exists(`${prefix}:proxy:desired`)).toBe(0);
  });

  it('refuses a state in Redis it cannot read', async () => {
    await redis[0]!.set(`${prefix}:proxy:desired`, '{"backends":[{"name":"x y","servers":[]}],"routes":[]}');
    await expect(new RedisProxyState(redis[0]!, { prefix }).read()).rejects.toMatchObject({ code: 'proxy_error' });
  });
});
