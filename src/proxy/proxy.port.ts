/**
 * Berth's edge proxy, as the deploy code sees it: hosts routed to backends, backends holding the
 * replicas (servers) of an app. Routes and servers change at runtime, without a reload; only a
 * new or removed backend changes the configuration (a hitless reload).
 *
 * Names of backends and servers, hosts and addresses are checked against strict patterns
 * (`proxy-names.ts`); a bad one throws ValidationError before anything reaches the proxy.
 * The desired state lives in a ProxyStateStore: several processes may drive the same proxy, and
 * their changes run one at a time.
 */

/** One replica as Berth wants it: `address` is `IPv4:port` (replicas publish on 127.0.0.1). */
export interface ProxyServer {
  name: string;
  address: string;
  /** Gets no new requests; its open ones go on (`drainServer`). */
  draining?: boolean;
}

export interface ProxyBackend {
  name: string;
  servers: readonly ProxyServer[];
}

/** Requests whose `Host` (port and case aside) is `host` go to `backend`. */
export interface ProxyRoute {
  host: string;
  backend: string;
}

/** What Berth wants the proxy to hold; the proxy's configuration is generated from it alone. */
export interface ProxyDesiredState {
  backends: readonly ProxyBackend[];
  routes: readonly ProxyRoute[];
}

/** A server as the running proxy reports it. */
export interface ServerStatus {
  name: string;
  address: string;
  /** `up` once its health check passes. */
  health: 'up' | 'down' | 'starting' | 'stopping';
  /** `drain`: no new requests; `maint`: none at all. */
  admin: 'ready' | 'drain' | 'maint';
  /** Requests (streams) open on it now. */
  sessions: number;
}

/** What the running proxy holds, read back from it. */
export interface ProxyLiveState {
  routes: ProxyRoute[];
  backends: Array<{ name: string; servers: ServerStatus[] }>;
}

export interface ProxyPort {
  /**
   * Makes the proxy hold `desired` (default: the saved desired state) and nothing else: writes its
   * configuration and reloads it (hitless), so that a restarted proxy, or Berth, recovers.
   */
  reconcile(desired?: ProxyDesiredState): Promise<void>;
  /** A copy of the state the proxy is driven to (shared by every process that drives it). */
  desired(): Promise<ProxyDesiredState>;
  /** Read back from the running proxy. */
  state(): Promise<ProxyLiveState>;

  /** Creates the backend if missing (configuration change + hitless reload); else does nothing. */
  ensureBackend(name: string): Promise<void>;
  /** Removes a backend and its servers (reload). ConflictError while a route points at it. */
  removeBackend(name: string): Promise<void>;

  /** Routes `host` to `backend` at once (NotFoundError for an unknown backend). */
  setRoute(host: string, backend: string): Promise<void>;
  /** Stops routing `host`: it gets the 404 page. Unknown hosts are not an error. */
  removeRoute(host: string): Promise<void>;

  /** Adds a server with its health check; it takes requests once `up`. ConflictError if the name is taken. */
  addServer(backend: string, server: { name: string; address: string }): Promise<void>;
  /** Resolves when the server is `up`; ProxyError `proxy_timeout` after `timeoutMs`. */
  waitUp(backend: string, name: string, timeoutMs: number): Promise<void>;
  /** The server gets no new requests; the ones it has go on. */
  drainServer(backend: string, name: string): Promise<void>;
  /** Waits until the server has no open request or `timeoutMs` passed; resolves with the requests left. */
  waitIdle(backend: string, name: string, timeoutMs: number): Promise<number>;
  /** Takes the server out: maintenance, its remaining sessions cut, deleted. */
  removeServer(backend: string, name: string): Promise<void>;
  /** The backend's servers as the proxy reports them. */
  servers(backend: string): Promise<ServerStatus[]>;
}
