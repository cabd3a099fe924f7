import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiError, createApi, nodePath } from './api';
import type { SseEvent } from './sse-parser';

describe('the dashboard API client', () => {
  let server: Server;
  let origin = '';
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      if (req.url === '/api/v1/stream') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        // Written in pieces that cut events, lines and a multi-byte character apart.
        const body = Buffer.from(': keep-alive\n\nid: 0\nevent: log\ndata: {"text":"héllo"}\n\nevent: end\ndata: {"status":"succeeded"}\n\n');
        const parts = [body.subarray(0, 20), body.subarray(20, 52), body.subarray(52)];
        const next = () => (parts.length ? res.write(parts.shift(), () => setTimeout(next, 5)) : res.end());
        next();
        return;
      }
      res.writeHead(req.url === '/api/v1/secret' ? 401 : 409, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'state_conflict', message: 'the build is still running', field: 'id' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads a stream with the token in the header and none in the URL', async () => {
    const events: SseEvent[] = [];
    await createApi('tok-123', () => undefined, origin).stream('/api/v1/stream', (e) => events.push(e), new AbortController().signal);
    expect(events).toEqual([
      { event: 'log', data: '{"text":"héllo"}', id: '0' },
      { event: 'end', data: '{"status":"succeeded"}', id: '0' },
    ]);
    const request = seen.find((r) => r.url === '/api/v1/stream');
    expect(request?.headers.authorization).toBe('Bearer tok-123');
    expect(request?.headers.accept).toBe('text/event-stream');
  });

  it("throws the API's error in its words, and signs out on 401", async () => {
    let signedOut = 0;
    const api = createApi('tok-123', () => signedOut++, origin);
    const err = await api.send('POST', '/api/v1/builds/x/cancel').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: 'state_conflict', message: 'the build is still running', field: 'id' });
    expect(signedOut).toBe(0);
    await api.get('/api/v1/secret').catch(() => undefined);
    expect(signedOut).toBe(1);
  });

  it('uses the plain routes for local and the node-scoped ones for other nodes', () => {
    expect(nodePath('local', '/containers?all=true')).toBe('/api/v1/containers?all=true');
    expect(nodePath('edge 1', '/images')).toBe('/api/v1/nodes/edge%201/images');
  });
});
