/**
 * What the metrics read at scrape time, each behind a port of its own so that the registry can be
 * tested with fakes and the composition decides where each figure comes from.
 */

/** Ended records of one kind by result, and the durations of those that started. */
export interface OutcomeSnapshot {
  /** Records ended, by result (`succeeded`, `failed`, ...). */
  ended: Map<string, number>;
  /** Duration histograms by result: cumulative counts per bucket bound, observed count and sum (seconds). */
  durations: Map<string, HistogramCounts>;
  /** Wait from queued to the first step of work, by result, as `durations`. */
  waits: Map<string, HistogramCounts>;
}

export interface HistogramCounts {
  buckets: Map<number, number>;
  count: number;
  sum: number;
}

export interface OutcomeReader {
  read(): Promise<{ builds: OutcomeSnapshot; deployments: OutcomeSnapshot }>;
}

/** One job queue as its workers see it. */
export interface QueueSnapshot {
  queue: string;
  /** Jobs by state: waiting, active, delayed, failed, prioritized. */
  jobs: Record<string, number>;
  /** Age in seconds of the oldest waiting job; 0 when none waits. */
  oldestWaitingSeconds: number;
  /** Worker connections listening on the queue. */
  workers: number;
}

export interface QueueStatsReader {
  read(): Promise<QueueSnapshot[]>;
}

/** Engine reachability per node (`local` for the engine the API itself talks to). */
export type NodeReachability = () => Promise<Array<{ node: string; reachable: boolean }>>;

/** Servers of one app slot's backend by health, as the running proxy reports them. */
export interface BackendHealth {
  app: string;
  slot: string;
  /** Servers by health (`up`, `down`, `starting`, `stopping`). */
  servers: Record<string, number>;
}

/** The proxy's backends; undefined when Berth runs without a proxy. */
export type ProxyHealthReader = () => Promise<BackendHealth[]>;
