import type { ProxyDesiredState } from './proxy.port';

/** What a change sees while it holds the lock: the saved state, and a way to save the next one. */
export interface ProxyStateSession {
  load(): Promise<ProxyDesiredState>;
  /** ProxyError `proxy_error` when the lock was lost meanwhile (the change is then not saved). */
  save(state: ProxyDesiredState): Promise<void>;
}

/**
 * Where the proxy's desired state lives, shared by every process that drives the proxy (the API
 * and the deploy workers). Every change runs inside `exclusive`: one at a time across processes,
 * so two changes never start from the same state and lose one another.
 */
export interface ProxyStateStore {
  /** The saved state, without the lock (empty when nothing was saved yet). */
  read(): Promise<ProxyDesiredState>;
  /** Runs `task` holding the lock; ProxyError `proxy_timeout` when it cannot be had in time. */
  exclusive<T>(task: (session: ProxyStateSession) => Promise<T>): Promise<T>;
}

export const EMPTY_PROXY_STATE: ProxyDesiredState = { backends: [], routes: [] };

/** A deep copy, so that no caller holds the store's own objects. */
export function copyState(state: ProxyDesiredState): ProxyDesiredState {
  return {
    backends: state.backends.map((b) => ({ name: b.name, servers: b.servers.map((s) => ({ ...s })) })),
    routes: state.routes.map((r) => ({ ...r })),
  };
}
