import winston from 'winston';
import { BerthMetrics, type MetricsSources } from './berth.metrics';
import type { OutcomeSnapshot, QueueSnapshot } from './metrics.port';

type Counts = { buckets: Array<[number, number]>; count: number; sum: number };

function outcome(ended: Record<string, number>, durations: Record<string, Counts> = {}, waits: Record<string, Counts> = {}): OutcomeSnapshot {
  const histograms = (h: Record<string, Counts>) => new Map(Object.entries(h).map(([r, d]) => [r, { ...d, buckets: new Map(d.buckets) }]));
  return { ended: new Map(Object.entries(ended)), durations: histograms(durations), waits: histograms(waits) };
}

/** Fakes of the ports, whose answers a test changes between scrapes. */
function fakeSources() {
  const state = {
    builds: outcome(
      { succeeded: 3, failed: 1 },
      {
        succeeded: {
          buckets: [
            [1, 0],
            [60, 2],
          ],
          count: 3,
          sum: 95.5,
        },
      },
      {
        succeeded: {
          buckets: [
            [1, 3],
            [60, 3],
          ],
          count: 3,
          sum: 0.75,
        },
      },
    ),
    deployments: outcome({ succeeded: 1 }),
    queues: [{ queue: 'builds', jobs: { waiting: 2, active: 1 }, oldestWaitingSeconds: 12.5, workers: 2 }] as QueueSnapshot[] | Error,
    nodes: [
      { node: 'local', reachable: true },
      { node: 'edge-1', reachable: false },
    ],
    reads: 0,
  };
  const sources: MetricsSources = {
    outcomes: { read: async () => ({ builds: state.builds, deployments: state.deployments }) },
    queues: {
      read: async () => {
        state.reads++;
        if (state.queues instanceof Error) throw state.queues;
        return state.queues;
      },
    },
    nodes: async () => state.nodes,
    proxy: async () => [{ app: 'web', slot: 'a', servers: { up: 2, down: 0 } }],
  };
  return { state, sources };
}

const logger = winston.createLogger({ silent: true });

describe('BerthMetrics', () => {
  it('renders every figure of the sources in Prometheus text format', async () => {
    const { sources } = fakeSources();
    const metrics = new BerthMetrics(sources, logger);
    metrics.observeRequest('GET', '/api/v1/builds/:id', 200, 0.02);
    const text = await metrics.render();
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const line of [
      '# TYPE berth_builds_total counter',
      'berth_builds_total{result="succeeded"} 3',
      'berth_builds_total{result="failed"} 1',
      '# TYPE berth_build_duration_seconds histogram',
      'berth_build_duration_seconds_bucket{result="succeeded",le="1"} 0',
      'berth_build_duration_seconds_bucket{result="succeeded",le="60"} 2',
      'berth_build_duration_seconds_bucket{result="succeeded",le="+Inf"} 3',
      'berth_build_duration_seconds_sum{result="succeeded"} 95.5',
      'berth_build_duration_seconds_count{result="succeeded"} 3',
      'berth_build_wait_seconds_bucket{result="succeeded",le="1"} 3',
      'berth_build_wait_seconds_sum{result="succeeded"} 0.75',
      'berth_deployments_total{result="succeeded"} 1',
      'berth_queue_jobs{queue="builds",state="waiting"} 2',
      'berth_queue_oldest_waiting_seconds{queue="builds"} 12.5',
      'berth_queue_workers{queue="builds"} 2',
      'berth_node_up{node="local"} 1',
      'berth_node_up{node="edge-1"} 0',
      'berth_proxy_servers{app="web",slot="a",health="up"} 2',
      'berth_metrics_source_up{source="proxy"} 1',
      'berth_http_requests_total{method="GET",route="/api/v1/builds/:id",status="200"} 1',
      'berth_http_request_duration_seconds_bucket{le="0.025",method="GET",route="/api/v1/builds/:id",status="200"} 1',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });

  it('drops the series of a source that fails and says so, and shows them again once it answers', async () => {
    const { state, sources } = fakeSources();
    const metrics = new BerthMetrics(sources, logger);
    await metrics.render();
    state.queues = new Error('redis is not reachable');
    const failed = await metrics.render();
    expect(failed).toContain('berth_metrics_source_up{source="queues"} 0');
    expect(failed).not.toContain('berth_queue_jobs{');
    expect(failed).toContain('berth_builds_total{result="succeeded"} 3');
    state.queues = [{ queue: 'deploys', jobs: { waiting: 0 }, oldestWaitingSeconds: 0, workers: 1 }];
    const back = await metrics.render();
    expect(back).toContain('berth_metrics_source_up{source="queues"} 1');
    // A queue no longer listed leaves no stale series behind.
    expect(back).not.toContain('queue="builds"');
    expect(back).toContain('berth_queue_workers{queue="deploys"} 1');
  });

  it('reads the sources once for scrapes that arrive together', async () => {
    const { state, sources } = fakeSources();
    const metrics = new BerthMetrics(sources, logger);
    const [a, b] = await Promise.all([metrics.render(), metrics.render()]);
    expect(a).toBe(b);
    expect(state.reads).toBe(1);
    await metrics.render();
    expect(state.reads).toBe(2);
  });

  it('has no proxy series without a proxy', async () => {
    const { sources } = fakeSources();
    delete sources.proxy;
    const text = await new BerthMetrics(sources, logger).render();
    expect(text).not.toContain('berth_proxy_servers{');
    expect(text).not.toContain('source="proxy"');
  });

  it('keeps each registry apart: two instances count on their own', async () => {
    const one = new BerthMetrics(fakeSources().sources, logger);
    const two = new BerthMetrics(fakeSources().sources, logger);
    one.observeRequest('GET', '/metrics', 200, 0.001);
    expect(await two.render()).not.toContain('berth_http_requests_total{');
  });
});
