import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a load run saw: requests answered as expected, failures (with their reasons), answers by body. */
export interface LoadResult {
  requests: number;
  failures: number;
  reasons: Map<string, number>;
  bodies: Map<string, number>;
  /** Request durations in ms, when `latencies` was asked for. */
  latencies: number[];
}

export interface LoadOptions {
  port: number;
  host: string;
  /** Keep-alive connections, each looping one request at a time. */
  connections: number;
  /** The loop stops by itself after this long, whatever happens. */
  maxMs: number;
  expectStatus?: number;
  latencies?: boolean;
  /**
   * At most this many requests per second in all, spread across the connections: request k is
   * not sent before start + k / rate (a loop that fell behind catches up, never past `connections`
   * at once). Default: as fast as the connections go.
   */
  ratePerSecond?: number;
  /** The loops stop after this many requests in all. */
  maxRequests?: number;
}

/**
 * A bounded keep-alive HTTP client on 127.0.0.1: `connections` loops, each sending GET / with the
 * given Host over a pooled keep-alive connection. A request fails on a network error, a timeout
 * or an unexpected status. `stop()` ends it early; it never runs past `maxMs`.
 */
export class KeepAliveLoad {
  private stopped = false;
  /** Requests handed out to the loops so far: the next one's place in the rate schedule. */
  private issued = 0;
  private readonly startedAt = performance.now();
  /** Wakes the loops waiting for their turn when the run stops. */
  private readonly stopping = new AbortController();
  private readonly agent: http.Agent;
  private readonly result: LoadResult = { requests: 0, failures: 0, reasons: new Map(), bodies: new Map(), latencies: [] };
  private readonly done: Promise<LoadResult>;

  constructor(private readonly options: LoadOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
    const deadline = setTimeout(() => this.halt(), options.maxMs);
    const loops = Array.from({ length: options.connections }, () => this.loop());
    this.done = Promise.all(loops).then(() => {
      clearTimeout(deadline);
      this.agent.destroy();
      return this.result;
    });
  }

  /** A copy of the counts so far. */
  snapshot(): { requests: number; failures: number } {
    return { requests: this.result.requests, failures: this.result.failures };
  }

  /** Resolves when the run ends by itself (`maxMs`). */
  finished(): Promise<LoadResult> {
    return this.done;
  }

  stop(): Promise<LoadResult> {
    this.halt();
    return this.done;
  }

  private halt(): void {
    this.stopped = true;
    this.stopping.abort();
  }

  /** Takes the next request's turn, waiting for its time under `ratePerSecond`; false once the run is over. */
  private async nextTurn(): Promise<boolean> {
    const { ratePerSecond, maxRequests } = this.options;
    const turn = this.issued++;
    if (maxRequests !== undefined && turn >= maxRequests) return false;
    if (ratePerSecond !== undefined && ratePerSecond > 0) {
      const wait = this.startedAt + (turn * 1000) / ratePerSecond - performance.now();
      if (wait > 0) await sleep(wait, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
    return !this.stopped;
  }

  private async loop(): Promise<void> {
    while (!this.stopped && (await this.nextTurn())) {
      const started = process.hrtime.bigint();
      const outcome = await this.once();
      this.result.requests++;
      if (this.options.latencies) this.result.latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      const [kind, value] = outcome;
      const counts = kind === 'ok' ? this.result.bodies : this.result.reasons;
      if (kind !== 'ok') this.result.failures++;
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
  }

  private once(): Promise<['ok' | 'failed', string]> {
    const { port, host, expectStatus = 200 } = this.options;
    return new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { Host: host }, agent: this.agent, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(res.statusCode === expectStatus ? ['ok', body] : ['failed', `status ${res.statusCode}`]));
        res.on('error', (err) => resolve(['failed', err.message]));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err: NodeJS.ErrnoException) => resolve(['failed', err.code ?? err.message]));
    });
  }
}

/** A tiny HTTP server on 127.0.0.1 that answers every request with `name`. */
export async function startNamedBackend(name: string): Promise<{ server: http.Server; port: number; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(name));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    server,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A free TCP port on 127.0.0.1 (bound, then released). */
export async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}
