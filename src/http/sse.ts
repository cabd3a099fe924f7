import type { Response } from 'express';

export interface ServerSentEvent {
  event: string;
  data: unknown;
  id?: string;
}

/** Sends events as they come until the source ends; a comment every 15 s keeps proxies open. */
export async function sendEvents(res: Response, events: AsyncIterable<ServerSentEvent>): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  try {
    for await (const e of events) {
      if (res.destroyed) break;
      const id = e.id !== undefined ? `id: ${e.id}\n` : '';
      res.write(`${id}event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    }
  } catch (err) {
    if (!res.destroyed) res.write(`event: error\ndata: ${JSON.stringify({ message: (err as Error).message })}\n\n`);
  } finally {
    clearInterval(keepAlive);
    res.end();
  }
}

/** An AbortSignal that fires when the client goes away. */
export function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  return controller.signal;
}

/** The first line to send to a client that reconnects with `Last-Event-ID` (the last line it saw). */
export function resumeSeq(lastEventId: string | undefined): number {
  return lastEventId !== undefined && /^\d+$/.test(lastEventId) ? Number(lastEventId) + 1 : 0;
}
