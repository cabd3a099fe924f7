import http from 'node:http';

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
}

/**
 * A bounded keep-alive HTTP client on 127.0.0.1: `connections` loops, each sending GET / with the
 * given Host over a pooled keep-alive connection. A request fails on a network error, a timeout
 * or an unexpected status. `stop()` ends it early; it never runs past `maxMs`.
 */
export class KeepAliveLoad {
  private stopped = false;
  private readonly agent: http.Agent;
  private readonly result: LoadResult = { requests: 0, failures: 0, reasons: new Map(), bodies: new Map(), latencies: [] };
  private readonly done: Promise<LoadResult>;

  constructor(private readonly options: LoadOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
    const deadline = setTimeout(() => (this.stopped = true), options.maxMs);
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
    this.stopped = true;
    return this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
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
