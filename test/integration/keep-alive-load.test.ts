import { KeepAliveLoad, startNamedBackend } from '../support/keep-alive-load';

/**
 * The test load client's own options, against a tiny Node backend on 127.0.0.1 (no engine): the
 * rate cap the deploy benchmark relies on, the request cap, and a stop that does not wait out a turn.
 */
describe('KeepAliveLoad', () => {
  let backend: Awaited<ReturnType<typeof startNamedBackend>>;

  beforeAll(async () => {
    backend = await startNamedBackend('rated');
  });

  afterAll(async () => {
    await backend.close();
  });

  it('sends no more than ratePerSecond requests a second, across its connections', async () => {
    const result = await new KeepAliveLoad({ port: backend.port, host: 'rated.test', connections: 4, maxMs: 1000, ratePerSecond: 20 }).finished();
    // Turns 0..19 fall inside the second; turn 20 is due exactly as it ends. Unlimited, a local backend answers thousands.
    expect(result.requests).toBeGreaterThan(0);
    expect(result.requests).toBeLessThanOrEqual(21);
    expect({ failures: result.failures, bodies: [...result.bodies.keys()] }).toEqual({ failures: 0, bodies: ['rated'] });
  });

  it('stops after maxRequests in all, whatever the number of connections', async () => {
    const result = await new KeepAliveLoad({ port: backend.port, host: 'rated.test', connections: 3, maxMs: 60_000, maxRequests: 10 }).finished();
    expect(result.requests).toBe(10);
    expect(result.bodies.get('rated')).toBe(10);
  });

  it('stops at once while its connections wait for their turn', async () => {
    // One request every 100 s: the second connection waits for its turn until stop() wakes it.
    const load = new KeepAliveLoad({ port: backend.port, host: 'rated.test', connections: 2, maxMs: 600_000, ratePerSecond: 0.01 });
    for (let i = 0; i < 100 && load.snapshot().requests === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const result = await load.stop();
    expect(result.requests).toBe(1);
  }, 20_000);
});
