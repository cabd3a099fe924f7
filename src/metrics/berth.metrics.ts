import { Counter, Histogram, Registry, type Metric } from 'prom-client';
import type { Logger } from 'winston';
import type { NodeReachability, OutcomeReader, OutcomeSnapshot, ProxyHealthReader, QueueStatsReader } from './metrics.port';
import { SnapshotMetric } from './snapshot.metric';

/** Where the scrape-time figures come from; `proxy` is absent when Berth runs without one. */
export interface MetricsSources {
  outcomes: OutcomeReader;
  queues: QueueStatsReader;
  nodes: NodeReachability;
  proxy?: ProxyHealthReader;
}

/** Bounds (seconds) of the API's request latency histogram. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Berth's metrics in one prom-client Registry of its own (no global default registry). HTTP
 * figures are this process's, kept in memory; everything else is read at scrape time from what
 * every process shares (Redis, BullMQ, the engines, the proxy), so it is the same whichever API
 * process answers and survives restarts.
 */
export class BerthMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route' | 'status'>;
  private readonly snapshot = {
    builds: this.metric('berth_builds_total', 'Builds ended, by result.', 'counter'),
    buildDuration: this.metric('berth_build_duration_seconds', 'Build time from the first step of work (clone or build) to the end, by result.', 'histogram'),
    buildWait: this.metric('berth_build_wait_seconds', 'Time a build waited from queued to its first step of work, by result (observed when it ends).', 'histogram'),
    deployments: this.metric('berth_deployments_total', 'Deployments ended, by result.', 'counter'),
    deploymentDuration: this.metric('berth_deployment_duration_seconds', 'Deployment time from its first phase of work to the end, by result.', 'histogram'),
    deploymentWait: this.metric(
      'berth_deployment_wait_seconds',
      'Time a deployment waited from queued to its first phase of work, by result (observed when it ends).',
      'histogram',
    ),
    queueJobs: this.metric('berth_queue_jobs', 'Jobs in each queue, by state.', 'gauge'),
    queueOldest: this.metric('berth_queue_oldest_waiting_seconds', 'Age of the oldest job waiting in each queue (0 when none waits).', 'gauge'),
    queueWorkers: this.metric('berth_queue_workers', 'Worker connections listening on each queue.', 'gauge'),
    nodeUp: this.metric('berth_node_up', 'Whether the container engine of each node answers (1) or not (0).', 'gauge'),
    proxyServers: this.metric('berth_proxy_servers', "Servers of each app slot's proxy backend, by health.", 'gauge'),
    sourceUp: this.metric('berth_metrics_source_up', 'Whether each source of figures could be read at this scrape (1) or not (0).', 'gauge'),
  };
  private pending: Promise<string> | undefined;

  constructor(
    private readonly sources: MetricsSources,
    private readonly logger: Logger,
  ) {
    this.requests = new Counter({
      name: 'berth_http_requests_total',
      help: 'API requests answered, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'berth_http_request_duration_seconds',
      help: 'Time until the API response ended, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers: [this.registry],
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Counts one answered API request. `route` must be a template (`/api/v1/builds/:id`), never a raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  /** The exposition text. Scrapes at the same time share one read of the sources. */
  render(): Promise<string> {
    this.pending ??= this.refresh()
      .then(() => this.registry.metrics())
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  private async refresh(): Promise<void> {
    const s = this.snapshot;
    const results = await Promise.all([
      this.read('outcomes', async () => this.setOutcomes(await this.sources.outcomes.read()), [
        s.builds,
        s.buildDuration,
        s.buildWait,
        s.deployments,
        s.deploymentDuration,
        s.deploymentWait,
      ]),
      this.read('queues', async () => this.setQueues(await this.sources.queues.read()), [s.queueJobs, s.queueOldest, s.queueWorkers]),
      this.read('nodes', async () => s.nodeUp.set((await this.sources.nodes()).map((n) => ({ labels: { node: n.node }, value: n.reachable ? 1 : 0 }))), [s.nodeUp]),
      ...(this.sources.proxy ? [this.read('proxy', async () => this.setProxy(await this.sources.proxy!()), [s.proxyServers])] : []),
    ]);
    s.sourceUp.set(results.map(({ source, ok }) => ({ labels: { source }, value: ok ? 1 : 0 })));
  }

  /** Runs one source's update; a failure drops its series (no stale figures) and is reported by `berth_metrics_source_up`. */
  private async read(source: string, update: () => Promise<void>, metrics: SnapshotMetric[]): Promise<{ source: string; ok: boolean }> {
    try {
      await update();
      return { source, ok: true };
    } catch (err) {
      for (const m of metrics) m.clear();
      this.logger.warn('metrics source not read', { source, error: err instanceof Error ? err.message : String(err) });
      return { source, ok: false };
    }
  }

  private setOutcomes({ builds, deployments }: { builds: OutcomeSnapshot; deployments: OutcomeSnapshot }): void {
    const s = this.snapshot;
    const ended = (o: OutcomeSnapshot) => [...o.ended].map(([result, value]) => ({ labels: { result }, value }));
    const byResult = (m: OutcomeSnapshot['durations']) => [...m].map(([result, d]) => ({ labels: { result }, ...d }));
    s.builds.set(ended(builds));
    s.buildDuration.setHistograms(byResult(builds.durations));
    s.buildWait.setHistograms(byResult(builds.waits));
    s.deployments.set(ended(deployments));
    s.deploymentDuration.setHistograms(byResult(deployments.durations));
    s.deploymentWait.setHistograms(byResult(deployments.waits));
  }

  private setQueues(queues: Awaited<ReturnType<QueueStatsReader['read']>>): void {
    const s = this.snapshot;
    s.queueJobs.set(queues.flatMap((q) => Object.entries(q.jobs).map(([state, value]) => ({ labels: { queue: q.queue, state }, value }))));
    s.queueOldest.set(queues.map((q) => ({ labels: { queue: q.queue }, value: q.oldestWaitingSeconds })));
    s.queueWorkers.set(queues.map((q) => ({ labels: { queue: q.queue }, value: q.workers })));
  }

  private setProxy(backends: Awaited<ReturnType<ProxyHealthReader>>): void {
    this.snapshot.proxyServers.set(
      backends.flatMap((b) => Object.entries(b.servers).map(([health, value]) => ({ labels: { app: b.app, slot: b.slot, health }, value }))),
    );
  }

  private metric(name: string, help: string, type: 'counter' | 'gauge' | 'histogram'): SnapshotMetric {
    const metric = new SnapshotMetric(name, help, type);
    this.registry.registerMetric(metric as unknown as Metric);
    return metric;
  }
}
