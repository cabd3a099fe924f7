import type { ErrorBody } from '../models/error.model';
import type { AppError } from '../errors';

/** HTTP status of each error code; codes not listed are 500. */
const STATUS: Record<string, number> = {
  invalid_input: 400,
  unauthorized: 401,
  webhook_signature_missing: 401,
  webhook_signature_invalid: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  name_conflict: 409,
  port_conflict: 409,
  state_conflict: 409,
  ambiguous_reference: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  engine_error: 502,
  proxy_error: 502,
  app_unhealthy: 502,
  engine_unavailable: 503,
  redis_unavailable: 503,
  proxy_unavailable: 503,
  node_unavailable: 503,
  proxy_timeout: 504,
  unhealthy: 503,
};

export function statusOf(code: string): number {
  return Object.hasOwn(STATUS, code) ? (STATUS[code] ?? 500) : 500;
}

export function errorBody(err: AppError): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.field !== undefined ? { field: err.field } : {}),
      ...(err.details !== undefined ? { details: err.details } : {}),
    },
  };
}
