/** What a node's engine reports about its host, read by the background probe. */
export interface NodeFacts {
  hostname: string;
  os: string;
  kernel: string;
  engine: 'docker' | 'podman';
  engineVersion: string;
  cpus: number;
  memoryBytes: number;
  containers: number;
  images: number;
}

/** One node as the registry last saw it. */
export interface NodeState {
  name: string;
  runtime: 'docker' | 'podman';
  /** Where the engine answers (scheme, user, host, port or socket path; never a secret). */
  address: string;
  /** Undefined until the first probe ended; calls are let through meanwhile. */
  reachable: boolean | undefined;
  error?: { code: string; message: string };
  /** The last facts read; kept while the node is down. */
  facts?: NodeFacts;
  lastSeenAt?: Date;
}

/** Reads a node's facts from its engine; rejects when the engine does not answer. */
export type NodeProbe = () => Promise<NodeFacts>;
