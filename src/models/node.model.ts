/** One engine Berth manages: `local` (`[docker]`) or a `[[nodes]]` entry. */
export interface NodeView {
  /** `local` for `[docker]`, else the `[[nodes]]` name. */
  name: string;
  runtime: 'docker' | 'podman';
  /** Where the engine answers: `unix:///…`, `tcp://host:port` or `ssh://user@host:port`. */
  host: string;
  /** Whether the last background probe got an answer (false until the first one ended). */
  reachable: boolean;
  /** Why the node is not reachable. */
  error?: { code: string; message: string };
  /** The facts below are the last ones read; they stay while the node is down. */
  hostname?: string;
  /** The host's operating system as the engine reports it, e.g. `Debian GNU/Linux 12 (bookworm)`. */
  os?: string;
  kernel?: string;
  /** The engine the node's API reports itself to be. */
  engine?: 'docker' | 'podman';
  engine_version?: string;
  cpus?: number;
  memory_bytes?: number;
  /** All containers on the engine, Berth's or not. */
  containers?: number;
  /** All images on the engine. */
  images?: number;
  /** When the node last answered a probe (ISO 8601). */
  last_seen_at?: string;
}

export interface NodeList {
  nodes: NodeView[];
}
