import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import { ValidateError } from '@tsoa/runtime';
import type { Logger } from 'winston';
import { AppError, ValidationError } from '../errors';
import { errorBody, statusOf } from './error-mapper';
import { fromValidateError } from './validate-error';

/**
 * Requests no route took: 405 with `Allow` when the path exists under other methods, else 404.
 * Both in the JSON error shape.
 */
export function unmatchedRoute(app: Express): RequestHandler {
  return (req, res) => {
    const allowed = allowedMethods(app, req.path);
    if (allowed.length > 0) {
      res.setHeader('Allow', allowed.join(', '));
      res.status(405).json(errorBody(new AppError('method_not_allowed', `${req.method} is not allowed on ${req.path}; use ${allowed.join(', ')}`)));
      return;
    }
    res.status(404).json(errorBody(new AppError('route_not_found', `no route for ${req.method} ${req.path}`)));
  };
}

interface RouteLayer {
  route?: { methods: Record<string, boolean> };
  match(path: string): boolean;
}

/** The methods the app's registered routes answer on `path` (HEAD wherever GET is). */
export function allowedMethods(app: Express, path: string): string[] {
  const stack = (app.router as unknown as { stack: RouteLayer[] }).stack;
  const methods = new Set<string>();
  for (const layer of stack) {
    if (!layer.route || !layer.match(path)) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') methods.add(method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** The one place errors become HTTP answers. Unexpected errors are logged whole, answered bare. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const appError = toAppError(err);
    if (!appError) {
      logger.error('unhandled error', { requestId: req.requestId, error: err instanceof Error ? err.stack : String(err) });
      res.status(500).json(errorBody(new AppError('internal', 'internal error; see the server log', undefined, { request_id: req.requestId })));
      return;
    }
    res.status(statusOf(appError.code)).json(errorBody(appError));
  };
}

function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof ValidateError) return fromValidateError(err);
  const e = err as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.too.large') return new AppError('payload_too_large', 'request body is too large');
  if (e.type === 'entity.parse.failed') return new ValidationError(`request body is not valid JSON: ${e.message ?? ''}`.trim(), 'body');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return new AppError('unsupported_media_type', e.message ?? 'unsupported encoding');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new ValidationError(e.message ?? 'bad request');
  return undefined;
}
