/**
 * The proxy as deploys see it: each app has two backends ("slots", `a` and `b`), made when the
 * app is added (the only configuration change, a hitless reload). A deployment fills the slot
 * that is not serving, then moves every domain to it at once through the host map (runtime, no
 * reload), then drains the other slot. Safe to call from several processes at once.
 */
export type Slot = 'a' | 'b';

export interface RoutedServer {
  /** Short, unique in the app: `r<release>-<replica>`. */
  name: string;
  /** `127.0.0.1:port`. */
  address: string;
}

export interface AppRouting {
  /** Creates the app's two backends if missing (reload only then). */
  addApp(app: string): Promise<void>;
  /** Removes its routes, servers and backends (reload). */
  removeApp(app: string): Promise<void>;
  /** Routes exactly `domains` to the slot (each host switched atomically); hosts the app had and are not listed lose their route. */
  route(app: string, domains: readonly string[], slot: Slot): Promise<void>;
  /** Removes every route of the app (stopped app: the 404 page... or 503). */
  unroute(app: string): Promise<void>;
  /** Adds the servers to the slot and resolves once HAProxy sees every one up (ProxyError `proxy_timeout` after `timeoutMs`). */
  stage(app: string, slot: Slot, servers: readonly RoutedServer[], timeoutMs: number): Promise<void>;
  /** Drains every server of the slot, waits for their requests to end (at most `drainMs`), then removes them. */
  drainSlot(app: string, slot: Slot, drainMs: number): Promise<void>;
  /** The servers the slot holds now, as Berth wants them. */
  servers(app: string, slot: Slot): Promise<RoutedServer[]>;
  /** The slot the app's domains are routed to now (read from the proxy's state), or undefined. */
  routedSlot(app: string): Promise<Slot | undefined>;
}

/** A server of one of the app's slots, as the proxy reports it. */
export interface RoutedServerStatus extends RoutedServer {
  slot: Slot;
  /** `unknown` when the proxy is disabled or does not answer. */
  health: 'up' | 'down' | 'starting' | 'stopping' | 'unknown';
  /** `drain`: no new requests; `maint`: none at all. */
  admin: 'ready' | 'drain' | 'maint';
  /** Requests open on it now (0 when unknown). */
  sessions: number;
}

/** Where the app's traffic goes now, for its status. */
export interface AppRoutingStatus {
  /** `live`: read from the running proxy; `recorded`: Berth's desired state (proxy disabled, or not answering). */
  source: 'live' | 'recorded';
  /** Each of the app's hosts and the slot it routes to. */
  hosts: Array<{ host: string; slot: Slot }>;
  servers: RoutedServerStatus[];
}

/** Read side of the app routing, apart from AppRouting so that its fakes need not implement it. */
export interface AppRoutingReader {
  status(app: string): Promise<AppRoutingStatus>;
}
