import { SseParser, type SseEvent } from './sse-parser';

/** An error the API answered, in its own words (`error.message`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** Follows a Server-Sent Events route until it ends or `signal` aborts; resolves when it ends. */
  stream(path: string, onEvent: (event: SseEvent) => void, signal: AbortSignal): Promise<void>;
}

/**
 * The one way the dashboard calls Berth: every request carries the token in the Authorization
 * header (never in the URL); a 401 signs the user out. `origin` is empty in the page (same origin).
 */
export function createApi(token: string, onUnauthorized: () => void, origin = ''): Api {
  const headers = (extra: Record<string, string> = {}) => ({ Authorization: `Bearer ${token}`, ...extra });
  const call = async (method: string, path: string, body?: unknown, accept = 'application/json', signal?: AbortSignal) => {
    const res = await fetch(origin + path, {
      method,
      headers: headers(body !== undefined ? { 'Content-Type': 'application/json', Accept: accept } : { Accept: accept }),
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal,
    });
    if (!res.ok) throw await apiError(res, onUnauthorized);
    return res;
  };
  return {
    get: async <T>(path: string) => (await (await call('GET', path)).json()) as T,
    send: async <T>(method: string, path: string, body?: unknown) => {
      const res = await call(method, path, body);
      return (res.status === 204 ? undefined : await res.json()) as T;
    },
    stream: async (path, onEvent, signal) => {
      const res = await call('GET', path, undefined, 'text/event-stream', signal);
      if (!res.body) return;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          for (const event of parser.push(value)) onEvent(event);
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}

async function apiError(res: Response, onUnauthorized: () => void): Promise<ApiError> {
  if (res.status === 401) onUnauthorized();
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; field?: string } };
    if (body.error?.message) return new ApiError(res.status, body.error.code ?? 'error', body.error.message, body.error.field);
  } catch {
    // not JSON: fall through to the status line
  }
  return new ApiError(res.status, 'http_error', `${res.status} ${res.statusText}`);
}

/** The message to show for anything a call threw. */
export function errorText(err: unknown): string {
  if (err instanceof DOMException && err.name === 'AbortError') return '';
  return err instanceof Error ? err.message : String(err);
}

/** A path segment, encoded (image refs keep their `/` as `%2F`, as the API asks). */
export const seg = (value: string) => encodeURIComponent(value);

/** The API path of a node-scoped resource: `local` uses the plain routes every API version has. */
export function nodePath(node: string, path: string): string {
  return node === 'local' ? `/api/v1${path}` : `/api/v1/nodes/${seg(node)}${path}`;
}
