import type winston from 'winston';
import { AppError, ConflictError, ValidationError } from '../errors';
import type { AppRouting, AppRoutingReader, AppRoutingStatus, RoutedServer, RoutedServerStatus, Slot } from './app-routing.port';
import type { ProxyDesiredState, ProxyPort, ProxyServer, ServerStatus } from './proxy.port';
import { checkHost } from './proxy-names';

const SLOTS: readonly Slot[] = ['a', 'b'];
/** An app name is a DNS label. */
const APP = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface HaproxyAppRoutingOptions {
  /** False when no proxy runs (`[proxy] enabled = false`): status is Berth's record, health unknown. Default true. */
  live?: boolean;
}

/** The backend of an app's slot: `<app>.a` or `<app>.b`. */
export function slotBackend(app: string, slot: Slot): string {
  return `${app}.${slot}`;
}

/**
 * Apps' two slots over the proxy port: every step reads the saved desired state first and does
 * only what is missing, so a resumed deployment may call any of them again. Safe across
 * processes, as the proxy port's changes are.
 */
export class HaproxyAppRouting implements AppRouting, AppRoutingReader {
  constructor(
    private readonly proxy: ProxyPort,
    private readonly logger: winston.Logger,
    private readonly options: HaproxyAppRoutingOptions = {},
  ) {}

  async addApp(app: string): Promise<void> {
    for (const slot of SLOTS) await this.proxy.ensureBackend(slotBackend(checkApp(app), slot));
  }

  async removeApp(app: string): Promise<void> {
    await this.unroute(app);
    const state = await this.proxy.desired();
    for (const slot of SLOTS) {
      const backend = slotBackend(app, slot);
      for (const server of serversOf(state, backend)) await this.proxy.removeServer(backend, server.name);
      await this.proxy.removeBackend(backend);
    }
    this.logger.info('app routing removed', { app });
  }

  async route(app: string, domains: readonly string[], slot: Slot): Promise<void> {
    const hosts = [...new Set(domains.map(checkHost))];
    const state = await this.proxy.desired();
    const own = new Set(SLOTS.map((s) => slotBackend(checkApp(app), s)));
    for (const route of state.routes) {
      if (hosts.includes(route.host) && !own.has(route.backend)) {
        throw new ConflictError('name_conflict', `domain ${route.host} is already served by ${appOf(route.backend)}`, 'domains');
      }
    }
    await this.addApp(app);
    for (const host of hosts) await this.proxy.setRoute(host, slotBackend(app, slot));
    for (const route of state.routes) {
      if (own.has(route.backend) && !hosts.includes(route.host)) await this.proxy.removeRoute(route.host);
    }
    this.logger.info('app routed', { app, slot, hosts });
  }

  async unroute(app: string): Promise<void> {
    const own = new Set(SLOTS.map((s) => slotBackend(checkApp(app), s)));
    for (const route of (await this.proxy.desired()).routes) {
      if (own.has(route.backend)) await this.proxy.removeRoute(route.host);
    }
  }

  async stage(app: string, slot: Slot, servers: readonly RoutedServer[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.addApp(app);
    const backend = slotBackend(app, slot);
    const saved = serversOf(await this.proxy.desired(), backend);
    for (const server of servers) {
      const existing = saved.find((s) => s.name === server.name);
      if (existing && existing.address === server.address && !existing.draining) continue;
      if (existing) await this.proxy.removeServer(backend, server.name);
      await this.proxy.addServer(backend, { name: server.name, address: server.address });
    }
    await Promise.all(servers.map((s) => this.proxy.waitUp(backend, s.name, Math.max(0, deadline - Date.now()))));
    this.logger.info('app slot staged', { app, slot, servers: servers.map((s) => s.name) });
  }

  async drainSlot(app: string, slot: Slot, drainMs: number): Promise<void> {
    const backend = slotBackend(checkApp(app), slot);
    const servers = serversOf(await this.proxy.desired(), backend);
    if (servers.length === 0) return;
    for (const server of servers) if (!server.draining) await this.proxy.drainServer(backend, server.name);
    const deadline = Date.now() + drainMs;
    const left = await Promise.all(servers.map((s) => this.proxy.waitIdle(backend, s.name, Math.max(0, deadline - Date.now()))));
    for (const server of servers) await this.proxy.removeServer(backend, server.name).catch(ignoreGone);
    this.logger.info('app slot drained', { app, slot, servers: servers.map((s) => s.name), requestsCut: left.reduce((a, b) => a + b, 0) });
  }

  async servers(app: string, slot: Slot): Promise<RoutedServer[]> {
    return serversOf(await this.proxy.desired(), slotBackend(checkApp(app), slot)).map((s) => ({ name: s.name, address: s.address }));
  }

  /** The slot the app's hosts route to; after a switch cut short, the one most of them route to. */
  async routedSlot(app: string): Promise<Slot | undefined> {
    const hosts = hostsOf(await this.proxy.desired(), checkApp(app));
    const onA = hosts.filter((h) => h.slot === 'a').length;
    if (hosts.length === 0) return undefined;
    return onA * 2 >= hosts.length ? 'a' : 'b';
  }

  async status(app: string): Promise<AppRoutingStatus> {
    const state = await this.proxy.desired();
    const hosts = hostsOf(state, checkApp(app));
    if (this.options.live !== false) {
      try {
        const servers: RoutedServerStatus[] = [];
        for (const slot of SLOTS) {
          if (!state.backends.some((b) => b.name === slotBackend(app, slot))) continue;
          servers.push(...(await this.proxy.servers(slotBackend(app, slot))).map((s: ServerStatus) => ({ ...s, slot })));
        }
        return { source: 'live', hosts, servers };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        this.logger.debug('proxy does not answer: app status from the recorded state', { app, error: err.message });
      }
    }
    const servers = SLOTS.flatMap((slot) =>
      serversOf(state, slotBackend(app, slot)).map((s) => ({
        slot,
        name: s.name,
        address: s.address,
        health: 'unknown' as const,
        admin: s.draining ? ('drain' as const) : ('ready' as const),
        sessions: 0,
      })),
    );
    return { source: 'recorded', hosts, servers };
  }
}

function checkApp(app: string): string {
  if (!APP.test(app)) throw new ValidationError(`app name ${JSON.stringify(app)} must be a DNS label: 1-63 of a-z, 0-9 and "-", not starting or ending with "-"`, 'name');
  return app;
}

function serversOf(state: ProxyDesiredState, backend: string): readonly ProxyServer[] {
  return state.backends.find((b) => b.name === backend)?.servers ?? [];
}

function hostsOf(state: ProxyDesiredState, app: string): Array<{ host: string; slot: Slot }> {
  return state.routes.flatMap((r) => SLOTS.filter((slot) => r.backend === slotBackend(app, slot)).map((slot) => ({ host: r.host, slot })));
}

/** `<app>.<slot>` → "app <app>"; any other backend by its name. */
function appOf(backend: string): string {
  const match = /^(.+)\.[ab]$/.exec(backend);
  return match ? `app ${match[1]}` : `backend ${backend}`;
}

/** A server removed meanwhile (a concurrent call of the same step) is what was wanted. */
function ignoreGone(err: unknown): void {
  if (!(err instanceof AppError && err.code === 'not_found')) throw err;
}
