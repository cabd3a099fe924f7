import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ValidateError } from '@tsoa/runtime';
import type { Logger } from 'winston';
import { AppError, ValidationError } from '../errors';
import { errorBody, statusOf } from './error-mapper';

/** Unknown paths answer the JSON error shape too. */
export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody(new AppError('route_not_found', `no route for ${req.method} ${req.path}`)));
};

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

/** tsoa names fields `body.ports` or `requestBody.name`; the client knows them as `ports`, `name`. */
function fromValidateError(err: ValidateError): ValidationError {
  const [path, detail] = Object.entries(err.fields)[0] ?? ['body', { message: 'invalid input' }];
  const field = path.replace(/^(requestBody|body)\.?/, '') || 'body';
  const message = detail.message.startsWith('"') || field === 'body' ? detail.message : `${field}: ${detail.message}`;
  return new ValidationError(message, field);
}
