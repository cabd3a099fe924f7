import { setTimeout as sleep } from 'node:timers/promises';
import type winston from 'winston';
import type { BerthConfig } from '../config/config.schema';
import { NotFoundError, ProxyError } from '../errors';
import { checkDesiredState } from './haproxy-config';
import { HaproxyMaster, type HaproxyMasterOptions } from './haproxy-master';
import { HaproxyRuntime, isNotFound } from './haproxy-runtime';
import { backendServers, findServer, withBackend, withDraining, withRoute, withServer, withoutBackend, withoutRoute, withoutServer } from './proxy-desired';
import type { ProxyStateSession, ProxyStateStore } from './proxy-state.port';
import type { ProxyDesiredState, ProxyLiveState, ProxyPort, ServerStatus } from './proxy.port';
import { RESERVED_PREFIX, checkAddress, checkHost, checkName } from './proxy-names';

export interface HaproxyProxyOptions extends HaproxyMasterOptions {
  /** Seconds-scale waits poll the Runtime API this often. Default 100 ms. */
  pollMs?: number;
  /** How long one Runtime API command may take. Default 5 s. */
  commandTimeoutMs?: number;
}

/** Adapter options from the `[proxy]` section of the configuration. */
export function haproxyOptionsFrom(config: BerthConfig['proxy']): HaproxyProxyOptions {
  return { configDir: config.config_dir, config: { bindAddress: config.bind_address, httpPort: config.http_port, socketPath: config.admin_socket } };
}

/** `del server` refuses while HAProxy still holds connections to it; they close within moments. */
const DELETE_TRIES = 20;

/**
 * The proxy port over HAProxy. Each change takes the state store's lock (one change at a time,
 * across processes), loads the desired state, applies the change to HAProxy at runtime and
 * writes it into the files (so that a reload or a restarted HAProxy keeps it), then saves the
 * state. Waits (`waitUp`, `waitIdle`) hold no lock.
 */
export class HaproxyProxy implements ProxyPort {
  private readonly runtime: HaproxyRuntime;
  private readonly master: HaproxyMaster;

  constructor(
    private readonly options: HaproxyProxyOptions,
    private readonly store: ProxyStateStore,
    private readonly logger: winston.Logger,
  ) {
    this.runtime = new HaproxyRuntime(options.config.socketPath, options.commandTimeoutMs);
    this.master = new HaproxyMaster(this.runtime, options);
  }

  /** Paths of haproxy.cfg, hosts.map, the pidfile and HAProxy's start-up log. */
  get paths(): HaproxyMaster['paths'] {
    return this.master.paths;
  }

  /** Writes HAProxy's files for `desired` (saved) or the saved state, without touching a running HAProxy. */
  async writeFiles(desired?: ProxyDesiredState): Promise<void> {
    return this.change(async (state, session) => {
      const next = desired ?? state;
      await this.master.write(next, true);
      if (desired) await session.save(next);
    });
  }

  async reconcile(desired?: ProxyDesiredState): Promise<void> {
    if (desired) checkDesiredState(desired);
    return this.change(async (state, session) => {
      const next = desired ?? state;
      await this.master.write(next, true);
      await this.master.reload();
      await session.save(next);
      this.logger.info('proxy reconciled', { backends: next.backends.length, routes: next.routes.length });
    });
  }

  /** True when HAProxy's master (from our pidfile) is alive and its Runtime API answers. */
  running(): Promise<boolean> {
    return this.master.running();
  }

  /**
   * Brings HAProxy to the saved state: files written, then a hitless reload of the running one,
   * or a new one started (detached: it outlives Berth) when none answers. With `onlyIfDown`, a
   * running HAProxy is left as it is (checked under the lock: no reload is under way then).
   */
  async recover(onlyIfDown = false): Promise<'running' | 'reloaded' | 'started'> {
    return this.change(async (state) => {
      const running = await this.master.running();
      if (running && onlyIfDown) return 'running';
      await this.master.write(state, true);
      const outcome = running ? 'reloaded' : 'started';
      await (outcome === 'reloaded' ? this.master.reload() : this.master.start());
      this.logger.info(`proxy ${outcome} from Berth's state`, { backends: state.backends.length, routes: state.routes.length });
      return outcome;
    });
  }

  desired(): Promise<ProxyDesiredState> {
    return this.store.read();
  }

  async state(): Promise<ProxyLiveState> {
    const entries = await this.runtime.mapEntries(this.master.paths.map);
    const backends: ProxyLiveState['backends'] = [];
    for (const name of await this.runtime.backends()) {
      if (!name.startsWith(RESERVED_PREFIX)) backends.push({ name, servers: await this.live(name) });
    }
    return { routes: entries.map((e) => ({ host: e.key, backend: e.value })), backends };
  }

  async ensureBackend(name: string): Promise<void> {
    checkName(name, 'backend');
    return this.change(async (state, session) => {
      const next = withBackend(state, name);
      if (next === undefined) return;
      await this.reloadTo(next, state);
      await session.save(next);
      this.logger.info('proxy backend added', { backend: name });
    });
  }

  async removeBackend(name: string): Promise<void> {
    checkName(name, 'backend');
    return this.change(async (state, session) => {
      const next = withoutBackend(state, name);
      if (next === undefined) return;
      await this.reloadTo(next, state);
      await session.save(next);
      this.logger.info('proxy backend removed', { backend: name });
    });
  }

  async setRoute(host: string, backend: string): Promise<void> {
    const key = checkHost(host);
    checkName(backend, 'backend');
    return this.change(async (state, session) => {
      const next = withRoute(state, key, backend) ?? state;
      // Sent even when already saved: a change cut short may have saved nothing, or only this.
      await this.runtime.setMapEntry(this.master.paths.map, key, backend);
      await this.persist(next, session);
      this.logger.info('proxy route set', { host: key, backend });
    });
  }

  async removeRoute(host: string): Promise<void> {
    const key = checkHost(host);
    return this.change(async (state, session) => {
      await this.runtime.deleteMapEntry(this.master.paths.map, key);
      const next = withoutRoute(state, key);
      if (next) await this.persist(next, session);
    });
  }

  async addServer(backend: string, server: { name: string; address: string }): Promise<void> {
    checkName(backend, 'backend');
    checkName(server.name, 'server');
    checkAddress(server.address);
    return this.change(async (state, session) => {
      const next = withServer(state, backend, server);
      // HAProxy may hold it from a change whose process died before saving: replace it.
      if ((await this.runtime.serversState(backend)).some((s) => s.name === server.name)) await this.takeOut(backend, server.name);
      await this.runtime.addServer(backend, server.name, server.address);
      await this.runtime.enableServer(backend, server.name).catch(async (err: unknown) => {
        await this.runtime.deleteServer(backend, server.name).catch(() => undefined);
        throw err;
      });
      await this.persist(next, session);
      this.logger.info('proxy server added', { backend, server: server.name, address: server.address });
    });
  }

  async waitUp(backend: string, name: string, timeoutMs: number): Promise<void> {
    await this.savedServer(backend, name);
    const deadline = Date.now() + timeoutMs;
    let last: ServerStatus | undefined;
    for (;;) {
      last = (await this.live(backend)).find((s) => s.name === name);
      if (last === undefined) throw new NotFoundError('server', `${backend}/${name}`, 'server');
      if (last.health === 'up' && last.admin !== 'maint') return;
      if (Date.now() >= deadline) break;
      await sleep(this.options.pollMs ?? 100);
    }
    throw new ProxyError('proxy_timeout', `server ${backend}/${name} did not come up within ${timeoutMs} ms (${last.health}, ${last.admin})`, {
      health: last.health,
      admin: last.admin,
    });
  }

  async drainServer(backend: string, name: string): Promise<void> {
    checkName(backend, 'backend');
    checkName(name, 'server');
    return this.change(async (state, session) => {
      const next = withDraining(state, backend, name);
      await this.runtime.setServerState(backend, name, 'drain');
      await this.persist(next, session);
      this.logger.info('proxy server draining', { backend, server: name });
    });
  }

  async waitIdle(backend: string, name: string, timeoutMs: number): Promise<number> {
    await this.savedServer(backend, name);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const open = (await this.runtime.sessions(backend)).get(name) ?? 0;
      if (open === 0 || Date.now() >= deadline) return open;
      await sleep(this.options.pollMs ?? 100);
    }
  }

  async removeServer(backend: string, name: string): Promise<void> {
    checkName(backend, 'backend');
    checkName(name, 'server');
    return this.change(async (state, session) => {
      const next = withoutServer(state, backend, name);
      await this.takeOut(backend, name);
      await this.persist(next, session);
      this.logger.info('proxy server removed', { backend, server: name });
    });
  }

  async servers(backend: string): Promise<ServerStatus[]> {
    checkName(backend, 'backend');
    backendServers(await this.store.read(), backend);
    return this.live(backend);
  }

  private async savedServer(backend: string, name: string): Promise<void> {
    checkName(backend, 'backend');
    checkName(name, 'server');
    findServer(await this.store.read(), backend, name);
  }

  private async live(backend: string): Promise<ServerStatus[]> {
    const rows = await this.runtime.serversState(backend);
    const sessions = await this.runtime.sessions(backend);
    return rows.map((r) => ({ name: r.name, address: r.address, health: r.health, admin: r.admin, sessions: sessions.get(r.name) ?? 0 }));
  }

  /** Maintenance, remaining sessions cut, deleted; a server HAProxy does not hold is not an error. */
  private async takeOut(backend: string, name: string): Promise<void> {
    await this.runtime.setServerState(backend, name, 'maint').catch(ignoreNotFound);
    await this.runtime.shutdownSessions(backend, name).catch(ignoreNotFound);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runtime.deleteServer(backend, name);
      } catch (err) {
        if (isNotFoundError(err)) return;
        if (attempt >= DELETE_TRIES || !(err instanceof ProxyError)) throw err;
        await sleep(this.options.pollMs ?? 100);
      }
    }
  }

  /** Writes and reloads for `next`; puts the files back to `before` if HAProxy refuses. */
  private async reloadTo(next: ProxyDesiredState, before: ProxyDesiredState): Promise<void> {
    try {
      await this.master.write(next, true);
      await this.master.reload();
    } catch (err) {
      await this.master.write(before, false).catch(() => undefined);
      throw err;
    }
  }

  /** Keeps the files in step with a runtime change (a later reload or restart starts from them), then saves. */
  private async persist(next: ProxyDesiredState, session: ProxyStateSession): Promise<void> {
    await this.master.write(next, false);
    await session.save(next);
  }

  /** One change under the store's lock, from the saved state. Public methods are async, so a bad argument rejects, never throws. */
  private change<T>(task: (state: ProxyDesiredState, session: ProxyStateSession) => Promise<T>): Promise<T> {
    return this.store.exclusive(async (session) => task(await session.load(), session));
  }
}

function isNotFoundError(err: unknown): boolean {
  const answer = err instanceof ProxyError ? err.details?.answer : undefined;
  return typeof answer === 'string' && isNotFound(answer);
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFoundError(err)) throw err;
}
