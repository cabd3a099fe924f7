import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeProbe, probeHttp, PROBE_USER_AGENT } from './http-probe';

/** A real HTTP server on 127.0.0.1 whose answer each test sets. */
describe('probeHttp', () => {
  let server: Server;
  let port: number;
  let answer: (path: string) => number | 'hang' | 'garbage';
  const seen: Array<{ path: string; agent?: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', agent: req.headers['user-agent'] });
      const a = answer(req.url ?? '');
      if (a === 'hang') return;
      if (a === 'garbage') return req.socket.end('not http at all\r\n\r\n');
      res.writeHead(a, { Location: '/' }).end('body');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const probe = (path: string, timeoutMs = 2000, signal = new AbortController().signal) => probeHttp({ host: '127.0.0.1', port, path }, timeoutMs, signal);

  it.each([200, 204, 301, 302, 399])('passes on %i', async (status) => {
    answer = () => status;
    await expect(probe('/')).resolves.toEqual({ ok: true, status });
  });

  it.each([404, 500, 503])('fails on %i, saying the status', async (status) => {
    answer = () => status;
    const result = await probe('/');
    expect(result).toEqual({ ok: false, status });
    expect(describeProbe(result)).toBe(`HTTP ${status}`);
  });

  it('asks the configured path, saying who it is', async () => {
    answer = () => 200;
    seen.length = 0;
    await probe('/healthz?full=1');
    expect(seen).toEqual([{ path: '/healthz?full=1', agent: PROBE_USER_AGENT }]);
  });

  it('fails with the time when no answer comes in time', async () => {
    answer = () => 'hang';
    expect(await probe('/', 150)).toEqual({ ok: false, error: 'no answer within 150 ms', timedOut: true });
  });

  it('fails when the answer is not HTTP', async () => {
    answer = () => 'garbage';
    const result = await probe('/');
    expect(result.ok).toBe(false);
    expect('error' in result && result.error).toBeTruthy();
  });

  it('fails with "connection refused" when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await probeHttp({ host: '127.0.0.1', port: free, path: '/' }, 2000, new AbortController().signal)).toEqual({ ok: false, error: 'connection refused' });
  });

  it('stops at once when cancelled', async () => {
    answer = () => 'hang';
    const controller = new AbortController();
    const pending = probe('/', 60_000, controller.signal);
    controller.abort();
    await expect(pending).resolves.toEqual({ ok: false, error: 'cancelled' });
  });
});
