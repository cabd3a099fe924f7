export interface RuntimeInfo {
  /** `docker` or `podman`, as configured. */
  runtime: string;
  socket_path: string;
  rootless: boolean;
  build_dir: string;
  engine: {
    /** What the socket reports itself to be: `docker` or `podman`. */
    name: string;
    version: string;
    api_version: string;
    os: string;
    arch: string;
    kernel_version?: string;
  };
  containers: { total: number; running: number; paused: number; stopped: number };
  images: number;
}

export interface HealthReport {
  status: 'ok';
  engine: 'up';
  redis: 'up';
  /** Every node (`local` and `[[nodes]]`) as its last background probe found it. */
  nodes?: NodeHealth[];
}

export interface NodeHealth {
  name: string;
  state: 'up' | 'down';
  /** Why the node is down. */
  error?: string;
}
