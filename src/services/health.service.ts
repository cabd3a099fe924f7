import { AppError } from '../errors';
import type { ContainerEngine } from '../engine/engine.port';
import type { HealthReport } from '../models/runtime.model';
import type { RedisPing } from '../redis/redis.port';

/** How long a dependency may take to answer a health probe. */
const PROBE_MS = 2000;

export class HealthService {
  constructor(
    private readonly engine: ContainerEngine,
    private readonly redis: RedisPing,
  ) {}

  /** Resolves when the engine and Redis both answer; otherwise names what is down. */
  async check(): Promise<HealthReport> {
    const [engine, redis] = await Promise.all([probe(() => this.engine.ping()), probe(() => this.redis.ping())]);
    if (engine === undefined && redis === undefined) return { status: 'ok', engine: 'up', redis: 'up' };
    const down = [engine !== undefined ? `engine (${engine})` : '', redis !== undefined ? `redis (${redis})` : ''].filter(Boolean);
    throw new AppError('unhealthy', `down: ${down.join(', ')}`, undefined, {
      engine: engine === undefined ? 'up' : 'down',
      redis: redis === undefined ? 'up' : 'down',
    });
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
