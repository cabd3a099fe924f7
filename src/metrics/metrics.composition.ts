import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { BerthConfig } from '../config/config.schema';
import type { ProxyLiveState } from '../proxy/proxy.port';
import { TokenService } from '../services/token.service';
import { BerthMetrics } from './berth.metrics';
import { BullQueueStats } from './bullmq-queue.stats';
import { dashboardAuth } from './dashboard-auth';
import { httpMetrics } from './http-metrics.middleware';
import { metricsAccess } from './metrics-access';
import type { NodeReachability } from './metrics.port';
import { proxyHealthReader } from './proxy-health';
import { QUEUE_DASHBOARD_PATH, queueDashboard } from './queue-dashboard';
import { RedisOutcomeReader } from './redis-outcome.reader';

export interface MetricsParts {
  redis: Redis;
  /** The API's tokens: the queue dashboard is behind them. */
  apiTokens: TokenService;
  /** BullMQ queue names shown in the metrics and the dashboard. */
  queues: readonly string[];
  nodes: NodeReachability;
  /** The proxy's live state; absent when `[proxy] enabled = false` (no proxy series then). */
  proxyState?: () => Promise<ProxyLiveState>;
}

export interface MetricsRoutes {
  /** Puts the request timing first and mounts `/metrics` (when enabled) and the queue dashboard. */
  mount: (app: Express) => void;
  close: () => Promise<void>;
}

/** `/metrics` and `/admin/queues` of the API process. */
export function composeMetrics(config: BerthConfig, parts: MetricsParts, logger: Logger): MetricsRoutes {
  const tokens = metricsTokens(config.metrics);
  const log = logger.child({ component: 'metrics' });
  const stats = new BullQueueStats(parts.redis, {
    prefix: config.redis.prefix,
    names: parts.queues,
    onError: (err) => log.debug('metrics queue connection error', { error: err.message }),
  });
  const metrics = new BerthMetrics(
    {
      outcomes: new RedisOutcomeReader(parts.redis, config.redis.prefix),
      queues: stats,
      nodes: parts.nodes,
      ...(parts.proxyState ? { proxy: proxyHealthReader(parts.proxyState) } : {}),
    },
    log,
  );
  const enabled = tokens.length > 0 || config.metrics.allow.length > 0;
  return {
    mount: (app) => {
      app.use(httpMetrics((...args) => metrics.observeRequest(...args)));
      if (enabled) {
        const access = metricsAccess({ allow: config.metrics.allow, ...(tokens.length > 0 ? { tokens: new TokenService(tokens) } : {}) });
        app.get('/metrics', access, (_req, res, next) => {
          metrics
            .render()
            .then((text) => res.type(metrics.contentType).send(text))
            .catch(next);
        });
      }
      app.use(QUEUE_DASHBOARD_PATH, dashboardAuth(parts.apiTokens), queueDashboard(stats.queues));
    },
    close: () => stats.close(),
  };
}

/** `[metrics] token` and the token in `token_file` (read once at start; a file that cannot be read stops the start). */
export function metricsTokens(settings: BerthConfig['metrics']): string[] {
  const tokens = settings.token !== '' ? [settings.token] : [];
  if (settings.token_file !== '') {
    let text: string;
    try {
      text = readFileSync(settings.token_file, 'utf8').trim();
    } catch (err) {
      throw new Error(`[metrics] token_file ${settings.token_file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
    if (text.length < 16) throw new Error(`[metrics] token_file ${settings.token_file} must hold a token of at least 16 characters`);
    tokens.push(text);
  }
  return tokens;
}
