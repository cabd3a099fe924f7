import { ConflictError, NotFoundError } from '../errors';
import type { ProxyDesiredState, ProxyServer } from './proxy.port';

/**
 * Pure edits of the proxy's desired state, shared by every ProxyPort: each checks the change
 * against the state and returns the next state, or undefined when the change is already there.
 * Names are checked by the caller (`proxy-names.ts`) first.
 */

export function backendServers(state: ProxyDesiredState, backend: string): readonly ProxyServer[] {
  const found = state.backends.find((b) => b.name === backend);
  if (found === undefined) throw new NotFoundError('backend', backend, 'backend');
  return found.servers;
}

export function findServer(state: ProxyDesiredState, backend: string, name: string): ProxyServer {
  const server = backendServers(state, backend).find((s) => s.name === name);
  if (server === undefined) throw new NotFoundError('server', `${backend}/${name}`, 'server');
  return server;
}

export function withBackend(state: ProxyDesiredState, name: string): ProxyDesiredState | undefined {
  if (state.backends.some((b) => b.name === name)) return undefined;
  return { ...state, backends: [...state.backends, { name, servers: [] }] };
}

/** ConflictError while a route points at the backend. */
export function withoutBackend(state: ProxyDesiredState, name: string): ProxyDesiredState | undefined {
  if (!state.backends.some((b) => b.name === name)) return undefined;
  const hosts = state.routes.filter((r) => r.backend === name).map((r) => r.host);
  if (hosts.length > 0) throw new ConflictError('state_conflict', `backend ${name} still serves ${hosts.join(', ')}: remove those routes first`, 'backend');
  return { ...state, backends: state.backends.filter((b) => b.name !== name) };
}

/** `host` is checked (lower case) by the caller. */
export function withRoute(state: ProxyDesiredState, host: string, backend: string): ProxyDesiredState | undefined {
  backendServers(state, backend);
  if (state.routes.some((r) => r.host === host && r.backend === backend)) return undefined;
  return { ...state, routes: [...state.routes.filter((r) => r.host !== host), { host, backend }] };
}

export function withoutRoute(state: ProxyDesiredState, host: string): ProxyDesiredState | undefined {
  if (!state.routes.some((r) => r.host === host)) return undefined;
  return { ...state, routes: state.routes.filter((r) => r.host !== host) };
}

/** ConflictError when the name is taken in the backend. */
export function withServer(state: ProxyDesiredState, backend: string, server: { name: string; address: string }): ProxyDesiredState {
  if (backendServers(state, backend).some((s) => s.name === server.name)) {
    throw new ConflictError('name_conflict', `server ${backend}/${server.name} exists`, 'server');
  }
  return editServers(state, backend, (servers) => [...servers, { name: server.name, address: server.address }]);
}

export function withDraining(state: ProxyDesiredState, backend: string, name: string): ProxyDesiredState {
  findServer(state, backend, name);
  return editServers(state, backend, (servers) => servers.map((s) => (s.name === name ? { ...s, draining: true } : s)));
}

export function withoutServer(state: ProxyDesiredState, backend: string, name: string): ProxyDesiredState {
  findServer(state, backend, name);
  return editServers(state, backend, (servers) => servers.filter((s) => s.name !== name));
}

function editServers(state: ProxyDesiredState, backend: string, edit: (servers: readonly ProxyServer[]) => ProxyServer[]): ProxyDesiredState {
  return { ...state, backends: state.backends.map((b) => (b.name === backend ? { name: b.name, servers: edit(b.servers) } : b)) };
}
