import type { Request, RequestHandler } from 'express';

/** What the middleware reports to (`BerthMetrics.observeRequest`). */
export type RequestObserver = (method: string, route: string, status: number, seconds: number) => void;

/**
 * Times every request until its response ends and reports it under the route template that
 * answered it (`/api/v1/builds/:id`), never the raw path: label values stay bounded whatever
 * clients ask for. Requests no route took are `unmatched`; those answered inside a mounted
 * router without a route of its own (static files, its auth) `<mount>/*`.
 */
export function httpMetrics(observe: RequestObserver): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      observe(req.method, routeLabel(req), res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

export function routeLabel(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  // Express' final handler leaves `baseUrl` unset.
  const base = typeof req.baseUrl === 'string' ? req.baseUrl : '';
  if (route && typeof route.path === 'string') return `${base}${route.path}`;
  if (base) return `${base}/*`;
  return 'unmatched';
}
