import { setTimeout as sleep } from 'node:timers/promises';
import type winston from 'winston';
import type { BerthConfig } from '../config/config.schema';
import { ConflictError, NotFoundError, ProxyError } from '../errors';
import { checkDesiredState } from './haproxy-config';
import { HaproxyMaster, type HaproxyMasterOptions } from './haproxy-master';
import { HaproxyRuntime, isNotFound } from './haproxy-runtime';
import type { ProxyBackend, ProxyDesiredState, ProxyLiveState, ProxyPort, ProxyServer, ServerStatus } from './proxy.port';
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
 * The proxy port over HAProxy. Berth's desired state lives here; every change goes to HAProxy at
 * runtime and into its configuration files, so that a reload or a restarted HAProxy keeps it.
 * Changes run one at a time, in order: a reload never interleaves with a runtime change.
 */
export class HaproxyProxy implements ProxyPort {
  private backends = new Map<string, ProxyServer[]>();
  private routes = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly runtime: HaproxyRuntime;
  private readonly master: HaproxyMaster;

  constructor(
    private readonly options: HaproxyProxyOptions,
    private readonly logger: winston.Logger,
  ) {
    this.runtime = new HaproxyRuntime(options.config.socketPath, options.commandTimeoutMs);
    this.master = new HaproxyMaster(this.runtime, options);
  }

  /** Paths of haproxy.cfg, hosts.map and the pidfile, for whatever starts HAProxy. */
  get paths(): HaproxyMaster['paths'] {
    return this.master.paths;
  }

  /** Takes `desired` and writes HAProxy's files for it, without touching a running HAProxy (before starting one). */
  async writeFiles(desired: ProxyDesiredState): Promise<void> {
    return this.serially(async () => {
      this.adopt(desired);
      await this.master.write(this.desired(), true);
    });
  }

  async reconcile(desired: ProxyDesiredState): Promise<void> {
    return this.serially(async () => {
      this.adopt(desired);
      await this.master.write(this.desired(), true);
      await this.master.reload();
      this.logger.info('proxy reconciled', { backends: this.backends.size, routes: this.routes.size });
    });
  }

  desired(): ProxyDesiredState {
    return {
      backends: [...this.backends].map(([name, servers]) => ({ name, servers: servers.map((s) => ({ ...s })) })),
      routes: [...this.routes].map(([host, backend]) => ({ host, backend })),
    };
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
    return this.serially(async () => {
      if (this.backends.has(name)) return;
      await this.reloadWith(() => this.backends.set(name, []));
      this.logger.info('proxy backend added', { backend: name });
    });
  }

  async removeBackend(name: string): Promise<void> {
    checkName(name, 'backend');
    return this.serially(async () => {
      if (!this.backends.has(name)) return;
      const hosts = [...this.routes].filter(([, backend]) => backend === name).map(([host]) => host);
      if (hosts.length > 0) throw new ConflictError('state_conflict', `backend ${name} still serves ${hosts.join(', ')}: remove those routes first`, 'backend');
      await this.reloadWith(() => this.backends.delete(name));
      this.logger.info('proxy backend removed', { backend: name });
    });
  }

  async setRoute(host: string, backend: string): Promise<void> {
    const key = checkHost(host);
    checkName(backend, 'backend');
    return this.serially(async () => {
      this.backendServers(backend);
      await this.runtime.setMapEntry(this.master.paths.map, key, backend);
      this.routes.set(key, backend);
      await this.persist();
      this.logger.info('proxy route set', { host: key, backend });
    });
  }

  async removeRoute(host: string): Promise<void> {
    const key = checkHost(host);
    return this.serially(async () => {
      await this.runtime.deleteMapEntry(this.master.paths.map, key);
      if (this.routes.delete(key)) await this.persist();
    });
  }

  async addServer(backend: string, server: { name: string; address: string }): Promise<void> {
    checkName(backend, 'backend');
    checkName(server.name, 'server');
    checkAddress(server.address);
    return this.serially(async () => {
      const servers = this.backendServers(backend);
      if (servers.some((s) => s.name === server.name)) throw new ConflictError('name_conflict', `server ${backend}/${server.name} exists`, 'server');
      await this.runtime.addServer(backend, server.name, server.address);
      await this.runtime.enableServer(backend, server.name).catch(async (err: unknown) => {
        await this.runtime.deleteServer(backend, server.name).catch(() => undefined);
        throw err;
      });
      servers.push({ name: server.name, address: server.address });
      await this.persist();
      this.logger.info('proxy server added', { backend, server: server.name, address: server.address });
    });
  }

  async waitUp(backend: string, name: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: ServerStatus | undefined;
    for (;;) {
      last = (await this.servers(backend)).find((s) => s.name === name);
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
    return this.serially(async () => {
      const server = this.server(backend, name);
      await this.runtime.setServerState(backend, name, 'drain');
      server.draining = true;
      await this.persist();
      this.logger.info('proxy server draining', { backend, server: name });
    });
  }

  async waitIdle(backend: string, name: string, timeoutMs: number): Promise<number> {
    this.server(backend, name);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const open = (await this.runtime.sessions(backend)).get(name) ?? 0;
      if (open === 0 || Date.now() >= deadline) return open;
      await sleep(this.options.pollMs ?? 100);
    }
  }

  async removeServer(backend: string, name: string): Promise<void> {
    return this.serially(async () => {
      this.server(backend, name);
      await this.runtime.setServerState(backend, name, 'maint').catch(ignoreNotFound);
      await this.runtime.shutdownSessions(backend, name).catch(ignoreNotFound);
      await this.deleteServer(backend, name);
      this.backends.set(
        backend,
        this.backendServers(backend).filter((s) => s.name !== name),
      );
      await this.persist();
      this.logger.info('proxy server removed', { backend, server: name });
    });
  }

  async servers(backend: string): Promise<ServerStatus[]> {
    checkName(backend, 'backend');
    this.backendServers(backend);
    return this.live(backend);
  }

  private async live(backend: string): Promise<ServerStatus[]> {
    const rows = await this.runtime.serversState(backend);
    const sessions = await this.runtime.sessions(backend);
    return rows.map((r) => ({ name: r.name, address: r.address, health: r.health, admin: r.admin, sessions: sessions.get(r.name) ?? 0 }));
  }

  private async deleteServer(backend: string, name: string): Promise<void> {
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

  /** Applies `change` to the desired state, writes and reloads; puts everything back if HAProxy refuses. */
  private async reloadWith(change: () => void): Promise<void> {
    const before = this.desired();
    change();
    try {
      await this.master.write(this.desired(), true);
      await this.master.reload();
    } catch (err) {
      this.adopt(before);
      await this.master.write(before, false).catch(() => undefined);
      throw err;
    }
  }

  /** Keeps the files in step with a runtime change: a later reload or restart starts from them. */
  private persist(): Promise<void> {
    return this.master.write(this.desired(), false);
  }

  private adopt(desired: ProxyDesiredState): void {
    checkDesiredState(desired);
    this.backends = new Map(desired.backends.map((b: ProxyBackend) => [b.name, b.servers.map((s) => ({ ...s }))]));
    this.routes = new Map(desired.routes.map((r) => [checkHost(r.host), r.backend]));
  }

  private backendServers(backend: string): ProxyServer[] {
    const servers = this.backends.get(backend);
    if (servers === undefined) throw new NotFoundError('backend', backend, 'backend');
    return servers;
  }

  private server(backend: string, name: string): ProxyServer {
    checkName(backend, 'backend');
    checkName(name, 'server');
    const server = this.backendServers(backend).find((s) => s.name === name);
    if (server === undefined) throw new NotFoundError('server', `${backend}/${name}`, 'server');
    return server;
  }

  /** Runs `task` after every change asked before it. Public methods are async, so a bad argument rejects, never throws. */
  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function isNotFoundError(err: unknown): boolean {
  const answer = err instanceof ProxyError ? err.details?.answer : undefined;
  return typeof answer === 'string' && isNotFound(answer);
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFoundError(err)) throw err;
}
