import type { NodeView } from '../models/node.model';
import type { NodeState } from './node.state';

/** A node's state in the API's words. */
export function nodeView(state: NodeState): NodeView {
  const f = state.facts;
  return {
    name: state.name,
    runtime: state.runtime,
    host: state.address,
    reachable: state.reachable === true,
    ...(state.reachable === undefined ? { error: { code: 'node_unavailable', message: 'not probed yet' } } : {}),
    ...(state.error ? { error: state.error } : {}),
    ...(f
      ? {
          hostname: f.hostname,
          os: f.os,
          kernel: f.kernel,
          engine: f.engine,
          engine_version: f.engineVersion,
          cpus: f.cpus,
          memory_bytes: f.memoryBytes,
          containers: f.containers,
          images: f.images,
        }
      : {}),
    ...(state.lastSeenAt ? { last_seen_at: state.lastSeenAt.toISOString() } : {}),
  };
}
