import type { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { BerthConfig } from '../config/config.schema';
import type { AppRouting, AppRoutingReader } from './app-routing.port';
import type { ProxyLiveState } from './proxy.port';
import { HaproxyAppRouting } from './haproxy-app.routing';
import { HaproxyProxy, haproxyOptionsFrom } from './haproxy.proxy';
import { ProxySupervisor } from './proxy-supervisor';
import { RedisProxyState } from './redis-proxy-state.store';
import { StateOnlyProxy } from './state-only.proxy';
import { withTls } from '../tls/tls.setup';

export interface AppRoutingParts {
  routing: AppRouting & AppRoutingReader;
  /** HAProxy's lifecycle: only the API process starts it. Undefined when `[proxy] enabled = false`. */
  supervisor?: ProxySupervisor;
  /** What the running HAProxy holds (for the metrics). Undefined when `[proxy] enabled = false`. */
  live?: () => Promise<ProxyLiveState>;
}

/**
 * The app routing of one process (API or deploy worker), over the desired state shared in Redis.
 * With `[proxy] enabled = false` it records routes and servers without any proxy: apps are then
 * reached on their replicas' 127.0.0.1 ports only.
 */
export function composeAppRouting(config: BerthConfig, redis: Redis, logger: Logger): AppRoutingParts {
  const log = logger.child({ component: 'proxy' });
  const store = new RedisProxyState(redis, { prefix: config.redis.prefix });
  if (!config.proxy.enabled) return { routing: new HaproxyAppRouting(new StateOnlyProxy(store, log), log, { live: false }) };
  // Every process writes HAProxy's files: all of them generate the HTTPS frontend too.
  const proxy = new HaproxyProxy(withTls(haproxyOptionsFrom(config.proxy), config.proxy), store, log);
  const supervisor = new ProxySupervisor(proxy, { configDir: config.proxy.config_dir, socketPath: config.proxy.admin_socket }, log);
  return { routing: new HaproxyAppRouting(proxy, log), supervisor, live: () => proxy.state() };
}
