import { ConflictError, EngineError, ForbiddenError, NotFoundError, UnauthorizedError, UnavailableError, ValidationError } from '../errors';
import { errorBody, statusOf } from './error-mapper';

describe('statusOf', () => {
  it.each([
    ['invalid_input', 400],
    ['unauthorized', 401],
    ['webhook_signature_missing', 401],
    ['webhook_signature_invalid', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['route_not_found', 404],
    ['method_not_allowed', 405],
    ['name_conflict', 409],
    ['port_conflict', 409],
    ['state_conflict', 409],
    ['ambiguous_reference', 409],
    ['payload_too_large', 413],
    ['unsupported_media_type', 415],
    ['unprocessable', 422],
    ['engine_error', 502],
    ['engine_unavailable', 503],
    ['redis_unavailable', 503],
    ['unhealthy', 503],
  ])('answers %s with %d', (code, status) => {
    expect(statusOf(code)).toBe(status);
  });

  it.each(['internal', 'something_new', '', 'toString', 'constructor'])('answers unknown code %j with 500', (code) => {
    expect(statusOf(code)).toBe(500);
  });

  it.each([
    [new ValidationError('bad', 'name'), 400],
    [new UnauthorizedError(), 401],
    [new ForbiddenError('no'), 403],
    [new NotFoundError('container', 'x'), 404],
    [new ConflictError('port_conflict', 'taken'), 409],
    [new EngineError('broke'), 502],
    [new UnavailableError('engine', 'down'), 503],
    [new UnavailableError('redis', 'down'), 503],
  ])('maps the code of %p to %d', (err, status) => {
    expect(statusOf(err.code)).toBe(status);
  });
});

describe('errorBody', () => {
  it('carries code, message and field, and leaves out what is unset', () => {
    expect(errorBody(new ValidationError('bad name', 'name'))).toStrictEqual({ error: { code: 'invalid_input', message: 'bad name', field: 'name' } });
    expect(errorBody(new ForbiddenError('no'))).toStrictEqual({ error: { code: 'forbidden', message: 'no' } });
    expect(errorBody(new EngineError('broke', { status: 500 }))).toStrictEqual({ error: { code: 'engine_error', message: 'broke', details: { status: 500 } } });
  });
});
