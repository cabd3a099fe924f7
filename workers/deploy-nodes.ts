import type { AppRuntimeConfig } from '../src/apps/app.record';
import type { ContainerEngine } from '../src/engine/engine.port';
import { AppError, NodeUnavailableError, UnavailableError } from '../src/errors';
import type { DeployProcessorDeps, DeployRunner } from './deploy-run';

export const LOCAL_NODE = 'local';

/** The node a config's replicas run on. */
export function nodeOf(config: Pick<AppRuntimeConfig, 'node'>): string {
  return config.node ?? LOCAL_NODE;
}

/**
 * The engines a deployment acts on, by node: `local` is the worker's own; the others come from
 * `[[nodes]]`. Engine failures on another node are told as `node_unavailable`, naming it.
 */
export class DeployNodes {
  constructor(private readonly deps: Pick<DeployProcessorDeps, 'runner' | 'images' | 'nodes'>) {}

  runner(node: string): DeployRunner {
    return node === LOCAL_NODE ? this.deps.runner : this.other(node).runner;
  }

  images(node: string): Pick<ContainerEngine, 'inspectImage'> {
    return node === LOCAL_NODE ? this.deps.images : this.other(node).images;
  }

  /** Rejects with NodeUnavailableError when the node's engine does not answer: nothing is started there then. */
  async check(node: string): Promise<void> {
    if (node === LOCAL_NODE) return;
    const entry = this.other(node);
    try {
      await entry.ping();
    } catch (err) {
      throw new NodeUnavailableError(node, err instanceof Error ? err.message : String(err));
    }
  }

  /** Runs `fn` against the node; an engine that stops answering there becomes NodeUnavailableError. */
  async on<T>(node: string, fn: (runner: DeployRunner) => Promise<T>): Promise<T> {
    try {
      return await fn(this.runner(node));
    } catch (err) {
      if (node !== LOCAL_NODE && err instanceof UnavailableError && err.service === 'engine') throw new NodeUnavailableError(node, err.message);
      throw err;
    }
  }

  private other(node: string) {
    const entry = this.deps.nodes?.(node);
    if (!entry) throw new AppError('node_not_found', `node "${node}" is not in this worker's [[nodes]], or has no address to run apps at`, 'node');
    return entry;
  }
}
