import { backendHealth } from './proxy-health';

describe('backendHealth', () => {
  it('counts servers per app slot by health, with up and down always present, and skips backends that are not apps', () => {
    const server = (name: string, health: 'up' | 'down' | 'starting') => ({ name, address: '127.0.0.1:1', health, admin: 'ready' as const, sessions: 0 });
    expect(
      backendHealth({
        routes: [],
        backends: [
          { name: 'web.a', servers: [server('r1', 'up'), server('r2', 'down'), server('r3', 'up')] },
          { name: 'web.b', servers: [] },
          { name: 'api-2.b', servers: [server('r1', 'starting')] },
          { name: 'berth_default', servers: [server('x', 'up')] },
          { name: 'web.c', servers: [] },
        ],
      }),
    ).toEqual([
      { app: 'web', slot: 'a', servers: { up: 2, down: 1 } },
      { app: 'web', slot: 'b', servers: { up: 0, down: 0 } },
      { app: 'api-2', slot: 'b', servers: { up: 0, down: 0, starting: 1 } },
    ]);
  });
});
