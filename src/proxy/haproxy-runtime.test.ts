import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyError, UnavailableError, ValidationError } from '../errors';
import { HaproxyRuntime } from './haproxy-runtime';

/**
 * A unix socket that answers like HAProxy's Runtime API (one command per connection, then close),
 * with answers captured from HAProxy 2.6, and records every command line it receives.
 */
function fakeRuntime(socketPath: string, answers: Record<string, string>): { server: Server; received: string[] } {
  const received: string[] = [];
  const server = createServer((socket) => {
    let input = '';
    socket.on('data', (chunk) => {
      input += chunk.toString();
      if (!input.includes('\n')) return;
      const line = input.trimEnd();
      received.push(line);
      const verb = Object.keys(answers).find((prefix) => line.startsWith(prefix));
      socket.end(verb === undefined ? 'Unknown command\n' : (answers[verb] ?? ''));
    });
  });
  server.listen(socketPath);
  return { server, received };
}

describe('HaproxyRuntime', () => {
  let dir: string;
  let socketPath: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-runtime-'));
    socketPath = join(dir, 'admin.sock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function withFake<T>(answers: Record<string, string>, run: (runtime: HaproxyRuntime, received: string[]) => Promise<T>): Promise<T> {
    const { server, received } = fakeRuntime(socketPath, answers);
    try {
      return await run(new HaproxyRuntime(socketPath, 2000), received);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('adds a server with its health check, then enables it', async () => {
    await withFake({ 'add server': 'New server registered.\n\n', 'enable ': '\n' }, async (runtime, received) => {
      await runtime.addServer('app_web', 'r2', '127.0.0.1:32770');
      await runtime.enableServer('app_web', 'r2');
      expect(received).toEqual(['add server app_web/r2 127.0.0.1:32770 check inter 200 rise 1 fall 3', 'enable health app_web/r2', 'enable server app_web/r2']);
    });
  });

  it('turns a refusal into ProxyError with HAProxy answer', async () => {
    await withFake({ 'add server': 'Already exists a server with the same name in backend.\n\n' }, async (runtime) => {
      const err = await runtime.addServer('app_web', 'r2', '127.0.0.1:32770').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProxyError);
      expect(err).toMatchObject({ code: 'proxy_error', details: { answer: 'Already exists a server with the same name in backend.' } });
    });
  });

  it('adds a map entry only when setting it finds none', async () => {
    await withFake({ 'set map': 'entry not found.\n\n', 'add map': '\n' }, async (runtime, received) => {
      await runtime.setMapEntry('/x/hosts.map', 'Web.Example.com', 'app_web');
      expect(received).toEqual(['set map /x/hosts.map web.example.com app_web', 'add map /x/hosts.map web.example.com app_web']);
    });
    await withFake({ 'set map': '\n' }, async (runtime, received) => {
      await runtime.setMapEntry('/x/hosts.map', 'web.example.com', 'app_web');
      expect(received).toEqual(['set map /x/hosts.map web.example.com app_web']);
    });
  });

  it('takes a missing map entry on delete as done', async () => {
    await withFake({ 'del map': 'Key not found.\n\n' }, async (runtime) => {
      await expect(runtime.deleteMapEntry('/x/hosts.map', 'gone.example.com')).resolves.toBeUndefined();
    });
  });

  it('reads an unknown backend as one without servers', async () => {
    await withFake({ 'show servers state': "Can't find backend.\n\n", 'show stat': 'No such proxy.\n\n' }, async (runtime) => {
      expect(await runtime.serversState('gone')).toEqual([]);
      expect((await runtime.sessions('gone')).size).toBe(0);
    });
  });

  it.each([
    ['a command after ";"', (r: HaproxyRuntime) => r.addServer('app;shutdown', 'r1', '127.0.0.1:1')],
    ['a newline', (r: HaproxyRuntime) => r.setServerState('app', 'r1\nshutdown frontend x', 'drain')],
    ['a space', (r: HaproxyRuntime) => r.deleteServer('app web', 'r1')],
    ['an address with options', (r: HaproxyRuntime) => r.addServer('app', 'r1', '127.0.0.1:80 backup')],
    ['a host with a command', (r: HaproxyRuntime) => r.setMapEntry('/x/hosts.map', 'a.example;del', 'app')],
    ['a map path with a space', (r: HaproxyRuntime) => r.deleteMapEntry('/x/hosts map', 'a.example')],
  ])('refuses %s before anything reaches the socket', async (_what, call) => {
    await withFake({}, async (runtime, received) => {
      await expect(call(runtime)).rejects.toThrow(ValidationError);
      expect(received).toEqual([]);
    });
  });

  it('sends a payload after "<<", ended by an empty line', async () => {
    await withFake({ 'set ssl cert': 'Transaction created for certificate /d/a.pem!\n' }, async (runtime, received) => {
      expect(await runtime.send('set ssl cert /d/a.pem', '-----BEGIN X-----\nAAAA\n-----END X-----')).toBe('Transaction created for certificate /d/a.pem!\n');
      expect(received).toEqual(['set ssl cert /d/a.pem <<\n-----BEGIN X-----\nAAAA\n-----END X-----']);
    });
  });

  it.each([
    ['an empty line, which would end it early', 'a\n\nshow info'],
    ['a final newline', 'a\n'],
    ['nothing', ''],
  ])('refuses a payload with %s', async (_what, payload) => {
    await withFake({}, async (runtime, received) => {
      await expect(runtime.send('set ssl cert /d/a.pem', payload)).rejects.toThrow(ProxyError);
      expect(received).toEqual([]);
    });
  });

  it('answers UnavailableError when nothing listens', async () => {
    await expect(new HaproxyRuntime(socketPath, 2000).workerPid()).rejects.toThrow(UnavailableError);
  });
});
