import type winston from 'winston';
import { checkDesiredState } from './haproxy-config';
import { backendServers, findServer, withBackend, withDraining, withRoute, withServer, withoutBackend, withoutRoute, withoutServer } from './proxy-desired';
import type { ProxyStateStore } from './proxy-state.port';
import type { ProxyDesiredState, ProxyLiveState, ProxyPort, ServerStatus } from './proxy.port';
import { checkAddress, checkHost, checkName } from './proxy-names';

/**
 * The proxy port with no proxy behind it (`[proxy] enabled = false`): every change is checked and
 * recorded in the state store exactly as with HAProxy, and nothing is served. A server counts
 * as up at once and idle at once; replicas are reached on their 127.0.0.1 ports only.
 */
export class StateOnlyProxy implements ProxyPort {
  constructor(
    private readonly store: ProxyStateStore,
    private readonly logger: winston.Logger,
  ) {}

  async reconcile(desired?: ProxyDesiredState): Promise<void> {
    if (desired) checkDesiredState(desired);
    await this.edit((state) => desired ?? state);
  }

  desired(): Promise<ProxyDesiredState> {
    return this.store.read();
  }

  /** The recorded state, as if a proxy held it. */
  async state(): Promise<ProxyLiveState> {
    const state = await this.store.read();
    return { routes: state.routes.map((r) => ({ ...r })), backends: state.backends.map((b) => ({ name: b.name, servers: b.servers.map(recorded) })) };
  }

  async ensureBackend(name: string): Promise<void> {
    checkName(name, 'backend');
    await this.edit((state) => withBackend(state, name));
  }

  async removeBackend(name: string): Promise<void> {
    checkName(name, 'backend');
    await this.edit((state) => withoutBackend(state, name));
  }

  async setRoute(host: string, backend: string): Promise<void> {
    const key = checkHost(host);
    checkName(backend, 'backend');
    await this.edit((state) => withRoute(state, key, backend));
  }

  async removeRoute(host: string): Promise<void> {
    const key = checkHost(host);
    await this.edit((state) => withoutRoute(state, key));
  }

  async addServer(backend: string, server: { name: string; address: string }): Promise<void> {
    checkName(backend, 'backend');
    checkName(server.name, 'server');
    checkAddress(server.address);
    await this.edit((state) => withServer(state, backend, server));
  }

  async waitUp(backend: string, name: string): Promise<void> {
    findServer(await this.store.read(), checkName(backend, 'backend'), checkName(name, 'server'));
  }

  async drainServer(backend: string, name: string): Promise<void> {
    checkName(backend, 'backend');
    checkName(name, 'server');
    await this.edit((state) => withDraining(state, backend, name));
  }

  async waitIdle(backend: string, name: string): Promise<number> {
    findServer(await this.store.read(), checkName(backend, 'backend'), checkName(name, 'server'));
    return 0;
  }

  async removeServer(backend: string, name: string): Promise<void> {
    checkName(backend, 'backend');
    checkName(name, 'server');
    await this.edit((state) => withoutServer(state, backend, name));
  }

  async servers(backend: string): Promise<ServerStatus[]> {
    return backendServers(await this.store.read(), checkName(backend, 'backend')).map(recorded);
  }

  private edit(change: (state: ProxyDesiredState) => ProxyDesiredState | undefined): Promise<void> {
    return this.store.exclusive(async (session) => {
      const next = change(await session.load());
      if (next === undefined) return;
      await session.save(next);
      this.logger.debug('proxy state recorded (no proxy: [proxy] enabled = false)');
    });
  }
}

function recorded(server: { name: string; address: string; draining?: boolean }): ServerStatus {
  return { name: server.name, address: server.address, health: 'up', admin: server.draining ? 'drain' : 'ready', sessions: 0 };
}
