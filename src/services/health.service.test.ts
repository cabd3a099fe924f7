import { HealthService } from './health.service';
import type { ContainerEngine } from '../engine/engine.port';

const up = { ping: async () => undefined };
const down = { ping: async () => Promise.reject(new Error('connect ENOENT')) };

describe('HealthService', () => {
  it('lists every node, and stays ok while another node is down', async () => {
    const nodes = async () => [
      { node: 'local', reachable: true },
      { node: 'edge', reachable: false, error: 'connect ECONNREFUSED' },
    ];
    const health = new HealthService(up as unknown as ContainerEngine, up, nodes);
    await expect(health.check()).resolves.toEqual({
      status: 'ok',
      engine: 'up',
      redis: 'up',
      nodes: [
        { name: 'local', state: 'up' },
        { name: 'edge', state: 'down', error: 'connect ECONNREFUSED' },
      ],
    });
  });

  it('names the node states in the details of an unhealthy answer', async () => {
    const health = new HealthService(down as unknown as ContainerEngine, up, async () => [{ node: 'local', reachable: false, error: 'connect ENOENT' }]);
    await expect(health.check()).rejects.toMatchObject({
      code: 'unhealthy',
      details: { engine: 'down', redis: 'up', nodes: [{ name: 'local', state: 'down', error: 'connect ENOENT' }] },
    });
  });
});
