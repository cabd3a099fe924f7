type Labels = Record<string, string | number>;

/** One line of the exposition: prom-client's `MetricValueWithName`. */
interface SeriesValue {
  metricName: string;
  labels: Labels;
  value: number;
}

/**
 * A metric whose whole value list is replaced at each scrape from figures read elsewhere (Redis,
 * BullMQ, the engines, the proxy): a series that is gone (a queue no longer listed, an app
 * removed) disappears instead of keeping its last value, as a prom-client gauge would.
 * prom-client's registry only needs `name` and `get()`.
 */
export class SnapshotMetric {
  private values: SeriesValue[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}

  /** Replaces every series. */
  set(values: Array<{ labels: Labels; value: number; suffix?: string }>): void {
    this.values = values.map((v) => ({ metricName: `${this.name}${v.suffix ?? ''}`, labels: v.labels, value: v.value }));
  }

  /** Replaces every series with histograms: cumulative bucket counts by bound, count and sum, per label set. */
  setHistograms(series: Array<{ labels: Labels; buckets: ReadonlyMap<number, number>; count: number; sum: number }>): void {
    this.set(
      series.flatMap(({ labels, buckets, count, sum }) => [
        ...[...buckets].sort(([a], [b]) => a - b).map(([le, value]) => ({ labels: { ...labels, le }, value, suffix: '_bucket' })),
        { labels: { ...labels, le: '+Inf' }, value: count, suffix: '_bucket' },
        { labels, value: sum, suffix: '_sum' },
        { labels, value: count, suffix: '_count' },
      ]),
    );
  }

  clear(): void {
    this.values = [];
  }

  reset(): void {
    this.clear();
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: SeriesValue[] }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: 'sum', values: this.values });
  }
}
