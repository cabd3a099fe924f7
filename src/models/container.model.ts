/** Body of `POST /api/v1/containers`. */
export interface CreateContainerRequest {
  /** Image to run, e.g. `nginx:alpine`. It must exist on the engine. */
  image: string;
  /** Container name: letters, digits, `_`, `.`, `-`; starts with a letter or digit. */
  name?: string;
  /**
   * Published ports, host side to container side: `{"8080": "80"}` publishes container port 80
   * on host port 8080. Host side may carry an address (`"127.0.0.1:8080"`, `"[::1]:8080"`);
   * container side may carry a protocol (`"53/udp"`).
   */
  ports?: { [hostPort: string]: string | number };
  /** Environment variables. */
  environment?: { [name: string]: string };
  /** `no` (default), `always`, `unless-stopped`, `on-failure` or `on-failure:N`. */
  restart_policy?: string;
  /**
   * Command and arguments. A string is split on whitespace (no shell is involved).
   * `string` comes first: tsoa tries union members in order and would wrap a string into an array.
   */
  command?: string | string[];
  /** Labels to set; keys starting with `berth.` are reserved. */
  labels?: { [key: string]: string };
  /** Memory limit: bytes, or a number with a unit `b`, `k`, `m`, `g` (e.g. `"512m"`). */
  memory?: string | number;
  /** CPU limit in cores, e.g. `0.5`. */
  cpus?: number;
  /**
   * Runs the engine's init (Docker's docker-init, Podman's catatonit) as PID 1 in front of the
   * command: it passes `stop`'s SIGTERM on to a program that installs no handler for it (which,
   * as PID 1, would ignore it until SIGKILL) and reaps zombie processes. Default `false`; app
   * replicas always have it.
   */
  init?: boolean;
}

export interface CreatedContainer {
  id: string;
  name: string;
}

export interface PortMapping {
  container_port: number;
  protocol: string;
  host_ip?: string;
  host_port?: number;
}

export interface ContainerSummaryView {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  created: string;
  labels: { [key: string]: string };
  ports: PortMapping[];
}

export interface ContainerList {
  containers: ContainerSummaryView[];
}

export interface ContainerView {
  id: string;
  name: string;
  image: string;
  image_id: string;
  command: string[];
  state: {
    status: string;
    running: boolean;
    exit_code: number;
    started_at?: string;
    finished_at?: string;
    error?: string;
  };
  created: string;
  started_at?: string;
  restart_count: number;
  restart_policy: string;
  /** Names of the environment variables; values are never shown. */
  env: string[];
  labels: { [key: string]: string };
  ports: PortMapping[];
  /** True when Berth created this container. */
  managed: boolean;
}

export interface ContainerLogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** RFC 3339 time the engine recorded, when `timestamps=true`. */
  timestamp?: string;
}

export interface ContainerLogs {
  lines: ContainerLogLine[];
}

export interface ContainerActionResult {
  id: string;
  state: string;
}
