import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import type { Response } from 'supertest';
import type { TestApi } from '../support/api';
import { TEST_LABEL } from '../support/api';

/** A TCP port free on 127.0.0.1 right now: bind port 0, read it, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A container name no other test, file or engine run uses. */
export function uniqueName(api: TestApi, what: string): string {
  return `${api.runId}-${what}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Labels that let `api.close()` remove a container made directly with `api.docker`. */
export function suiteLabels(api: TestApi, extra: Record<string, string> = {}): Record<string, string> {
  return { [TEST_LABEL]: api.runId, ...extra };
}

/** Asks `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`);
}

/** One plain HTTP GET, with its status and body (no retries). */
export function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** GETs `url` until it answers 200 (a published port takes a moment after start). */
export function waitForHttp(url: string, timeoutMs = 20_000): Promise<{ status: number; body: string }> {
  return poll(
    `HTTP 200 from ${url}`,
    async () => {
      const res = await httpGet(url);
      return res.status === 200 ? res : undefined;
    },
    timeoutMs,
  );
}

/** The engine's own view of a container's state, polled until `status` (e.g. "exited"). */
export async function waitForState(api: TestApi, id: string, status: string): Promise<void> {
  await poll(`container ${id} to be ${status}`, async () => {
    const info = await api.docker.getContainer(id).inspect();
    return info.State.Status === status ? true : undefined;
  });
}

const STACK = /\n\s+at |\bat .+:\d+:\d+|\.ts:\d+|node_modules/;

/** Every error answer: `{"error":{"code","message","field"?}}`, never a 500, never a stack. */
export function expectError(res: Response, status: number, code: string, field?: string): void {
  expect({ status: res.status, code: res.body?.error?.code, field: res.body?.error?.field }).toEqual({ status, code, field });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(Object.keys(res.body.error).filter((k) => !['code', 'message', 'field', 'details'].includes(k))).toEqual([]);
  expectNoStack(res);
}

/** No answer may carry a stack trace or source paths. */
export function expectNoStack(res: Response): void {
  expect(res.text ?? '').not.toMatch(STACK);
}

/** A supertest parser that reads a whole Server-Sent Events answer as text. */
export function readText(res: Response, callback: (err: Error | null, body: unknown) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  let body = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (body += chunk));
  stream.on('end', () => callback(null, body));
  stream.on('error', (err) => callback(err, body));
}

/** Parses `event:`/`data:` blocks of a Server-Sent Events body. */
export function parseEvents(text: string): Array<{ event: string; data: unknown }> {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line !== '' && !line.startsWith(':')))
    .filter((lines) => lines.length > 0)
    .map((lines) => ({
      event: lines.find((l) => l.startsWith('event: '))?.slice('event: '.length) ?? 'message',
      data: JSON.parse(lines.find((l) => l.startsWith('data: '))?.slice('data: '.length) ?? 'null') as unknown,
    }));
}
