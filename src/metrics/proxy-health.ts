import type { ProxyLiveState } from '../proxy/proxy.port';
import type { BackendHealth, ProxyHealthReader } from './metrics.port';

/** An app slot's backend, `<app>.a` or `<app>.b` (`slotBackend` in src/proxy); other backends are not apps'. */
const SLOT_BACKEND = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.(a|b)$/;

/** Servers per app slot by health, from what the running proxy reports; `up` and `down` always present. */
export function backendHealth(state: ProxyLiveState): BackendHealth[] {
  const health: BackendHealth[] = [];
  for (const backend of state.backends) {
    const match = SLOT_BACKEND.exec(backend.name);
    if (!match?.[1] || !match[2]) continue;
    const servers: Record<string, number> = { up: 0, down: 0 };
    for (const s of backend.servers) servers[s.health] = (servers[s.health] ?? 0) + 1;
    health.push({ app: match[1], slot: match[2], servers });
  }
  return health;
}

/** The port over the proxy's live state (`ProxyPort.state`). */
export function proxyHealthReader(state: () => Promise<ProxyLiveState>): ProxyHealthReader {
  return async () => backendHealth(await state());
}
