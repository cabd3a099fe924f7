import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'winston';
import { AppError } from '../errors';
import { errorBody } from './error-mapper';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
  }
}

const CLIENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Gives every request an id (the client's `X-Request-Id` when sane) and logs it once done. */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.header('x-request-id');
    req.requestId = given && CLIENT_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    const started = process.hrtime.bigint();
    res.on('close', () => {
      logger.info('request', {
        requestId: req.requestId,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
    next();
  };
}

/** Bodies must be JSON: anything else sent with a body answers 415 rather than being ignored. */
export const requireJson: RequestHandler = (req, res, next) => {
  const hasBody = Number(req.header('content-length') ?? 0) > 0 || req.header('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    res.status(415).json(errorBody(new AppError('unsupported_media_type', 'request bodies must be sent as Content-Type: application/json')));
    return;
  }
  next();
};
