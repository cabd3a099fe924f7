import { AppError } from '../errors';
import type { ContainerEngine } from '../engine/engine.port';
import type { HealthReport, NodeHealth } from '../models/runtime.model';
import type { RedisPing } from '../redis/redis.port';

/** How long a dependency may take to answer a health probe. */
const PROBE_MS = 2000;

export class HealthService {
  constructor(
    private readonly engine: ContainerEngine,
    private readonly redis: RedisPing,
    /** Each node's state from its last background probe (not probed here: a down node must not slow this). */
    private readonly nodeStates?: () => Promise<Array<{ node: string; reachable: boolean; error?: string }>>,
  ) {}

  /**
   * Resolves when the engine and Redis both answer; otherwise names what is down. `nodes` shows
   * every node's state; another node being down does not make Berth itself unhealthy.
   */
  async check(): Promise<HealthReport> {
    const [engine, redis, nodes] = await Promise.all([probe(() => this.engine.ping()), probe(() => this.redis.ping()), this.nodes()]);
    if (engine === undefined && redis === undefined) return { status: 'ok', engine: 'up', redis: 'up', ...(nodes ? { nodes } : {}) };
    const down = [engine !== undefined ? `engine (${engine})` : '', redis !== undefined ? `redis (${redis})` : ''].filter(Boolean);
    throw new AppError('unhealthy', `down: ${down.join(', ')}`, undefined, {
      engine: engine === undefined ? 'up' : 'down',
      redis: redis === undefined ? 'up' : 'down',
      ...(nodes ? { nodes } : {}),
    });
  }

  private async nodes(): Promise<NodeHealth[] | undefined> {
    if (!this.nodeStates) return undefined;
    return (await this.nodeStates()).map((n) => ({ name: n.node, state: n.reachable ? 'up' : 'down', ...(n.error ? { error: n.error } : {}) }));
  }
}

/** Undefined when `fn` answered in time, else why not. */
async function probe(fn: () => Promise<void>): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_MS} ms`)), PROBE_MS);
      }),
    ]);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    clearTimeout(timer);
  }
}
