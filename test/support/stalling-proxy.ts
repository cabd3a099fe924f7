import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a plain-HTTP registry that lets a transfer start and then
 * holds it mid-layer: a response (pull) or request (push upload) carrying more than `LARGE` bytes
 * of body, or a chunked one, has its first chunk passed on and nothing after it. Small
 * messages (pings, manifests, image configs, blob checks) go through, so the engine reaches its
 * layers and is left waiting inside one, as with a registry that stopped sending.
 */
export interface StallingProxy {
  /** `127.0.0.1:PORT`, the registry host part of references through the proxy. */
  host: string;
  /** How many connections were held so far. */
  holds(): number;
  /** Resolves once more than `after` connections were held: a layer is mid-transfer. */
  stalled(after: number): Promise<void>;
  /** Resolves once every held connection was closed by the engine's side. */
  heldClosed(): Promise<void>;
  close(): Promise<void>;
}

const LARGE = 64 * 1024;

/** Whether an HTTP message starting in `chunk` has a large or chunked body (`start`: request or status line). */
function largeMessage(chunk: Buffer, start: RegExp): boolean {
  const head = chunk.toString('latin1', 0, Math.min(chunk.length, 8192));
  if (!start.test(head)) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return (length !== null && Number(length[1]) > LARGE) || /\r\ntransfer-encoding:\s*chunked/i.test(head);
}

export async function startStallingProxy(upstream: string): Promise<StallingProxy> {
  const [upstreamHost, upstreamPort] = upstream.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const held = new Set<Socket>();
  let holds = 0;
  let onStall: Array<{ after: number; resolve: () => void }> = [];
  const onHeldClosed: Array<() => void> = [];
  const hold = (client: Socket) => {
    held.add(client);
    holds += 1;
    onStall.filter((w) => holds > w.after).forEach((w) => w.resolve());
    onStall = onStall.filter((w) => holds <= w.after);
  };

  const server: Server = createServer((client) => {
    const remote = connect(Number(upstreamPort), upstreamHost);
    sockets.add(client).add(remote);
    let holding = false;
    client.on('data', (chunk: Buffer) => {
      if (holding) return;
      remote.write(chunk);
      if (largeMessage(chunk, /^(PATCH|PUT|POST) \S*\/blobs\/uploads\//)) holding = true;
      if (holding) hold(client);
    });
    remote.on('data', (chunk: Buffer) => {
      if (holding) return;
      client.write(chunk);
      if (largeMessage(chunk, /^HTTP\/1\.1 200 /)) holding = true;
      if (holding) hold(client);
    });
    const end = () => {
      client.destroy();
      remote.destroy();
      sockets.delete(client);
      sockets.delete(remote);
      if (held.delete(client) && held.size === 0) onHeldClosed.splice(0).forEach((f) => f());
    };
    client.on('close', end).on('error', end);
    // A held connection ends only from the engine's side: that is what a test waits for.
    const upstreamGone = () => (holding ? remote.destroy() : end());
    remote.on('close', upstreamGone).on('error', upstreamGone);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    holds: () => holds,
    stalled: (after) => (holds > after ? Promise.resolve() : new Promise((resolve) => onStall.push({ after, resolve }))),
    heldClosed: () => (held.size === 0 ? Promise.resolve() : new Promise((resolve) => onHeldClosed.push(resolve))),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
