import { request } from 'node:http';

/** What one probe saw: an HTTP status, or why there was none (`timedOut` when its deadline came first). */
export type ProbeResult = { ok: boolean; status: number } | { ok: false; error: string; timedOut?: true };

/** One probe of a replica: `http://<host>:<port><path>`, within `timeoutMs`. */
export type Prober = (target: { host: string; port: number; path: string }, timeoutMs: number, signal: AbortSignal) => Promise<ProbeResult>;

/** `User-Agent` of every probe, so that an app can tell them from its users in its own logs. */
export const PROBE_USER_AGENT = 'berth-health-check';

/**
 * A GET on its own connection (no keep-alive: a pooled socket would outlive the replica). The
 * status line decides; the body is never read. Never rejects: every failure is a result.
 */
export const probeHttp: Prober = (target, timeoutMs, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve({ ok: false, error: 'cancelled' });
    let done = false;
    const finish = (result: ProbeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(result);
    };
    const req = request(
      { host: target.host, port: target.port, path: target.path, method: 'GET', agent: false, headers: { 'User-Agent': PROBE_USER_AGENT, Connection: 'close' } },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        finish({ ok: status >= 200 && status < 400, status });
      },
    );
    const onAbort = (): void => finish({ ok: false, error: 'cancelled' });
    // One deadline for connect, request and status line together.
    const timer = setTimeout(() => finish({ ok: false, error: `no answer within ${formatMs(timeoutMs)}`, timedOut: true }), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: describeError(err) }));
    req.end();
  });

/** `HTTP 500`, `connection refused`: short enough for one log line per change. */
export function describeProbe(result: ProbeResult): string {
  return 'status' in result ? `HTTP ${result.status}` : result.error;
}

function describeError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_VERSION':
      return 'answer is not HTTP';
    default:
      return err.code ? `${err.code}: ${err.message}` : err.message;
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
