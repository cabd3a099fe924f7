import { AppError, NodeUnavailableError, NotFoundError, UnavailableError } from '../src/errors';
import { DeployNodes, nodeOf } from './deploy-nodes';
import type { DeployNode, DeployRunner } from './deploy-run';

const local = { runner: { name: 'local' } as unknown as DeployRunner, images: { inspectImage: jest.fn() } };

function withEdge(ping: () => Promise<void>): DeployNodes {
  const edge: DeployNode = { runner: { name: 'edge' } as unknown as DeployRunner, images: { inspectImage: jest.fn() }, ping };
  return new DeployNodes({ ...local, nodes: (name) => (name === 'edge' ? edge : undefined) });
}

describe('DeployNodes', () => {
  it('reads an unset node as local', () => {
    expect(nodeOf({})).toBe('local');
    expect(nodeOf({ node: 'edge' })).toBe('edge');
  });

  it('hands out each node its own runner; an unknown one is named', () => {
    const nodes = withEdge(async () => undefined);
    expect(nodes.runner('local')).toBe(local.runner);
    expect((nodes.runner('edge') as unknown as { name: string }).name).toBe('edge');
    expect(() => nodes.runner('gone')).toThrow(new AppError('node_not_found', `node "gone" is not in this worker's [[nodes]], or has no address to run apps at`, 'node'));
  });

  it('fails the check of a node whose engine does not answer with node_unavailable naming it', async () => {
    const nodes = withEdge(async () => {
      throw new UnavailableError('engine', 'connect ECONNREFUSED');
    });
    await expect(nodes.check('local')).resolves.toBeUndefined();
    const err = await nodes.check('edge').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeUnavailableError);
    expect((err as NodeUnavailableError).message).toBe('node "edge" is unavailable: connect ECONNREFUSED');
  });

  it('tells an engine that stops answering mid-way on another node as node_unavailable; other errors pass as they are', async () => {
    const nodes = withEdge(async () => undefined);
    const down = nodes.on('edge', async () => Promise.reject(new UnavailableError('engine', 'socket hang up')));
    await expect(down).rejects.toMatchObject({ code: 'node_unavailable', message: 'node "edge" is unavailable: socket hang up' });
    const missing = new NotFoundError('container', 'c1');
    await expect(nodes.on('edge', async () => Promise.reject(missing))).rejects.toBe(missing);
    const localDown = new UnavailableError('engine', 'socket hang up');
    await expect(nodes.on('local', async () => Promise.reject(localDown))).rejects.toBe(localDown);
  });
});
