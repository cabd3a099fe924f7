import { AppError, ConflictError, EngineError, NotFoundError, UnavailableError, ValidationError } from '../errors';
import { engineMessage, translateEngineError } from './engine-errors';

/** What docker-modem rejects with when the engine answers an HTTP error. */
function modemError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), {
    statusCode,
    reason: 'server error',
    json: { message },
  });
}

/** What the socket rejects with when the engine is not there. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code, syscall: 'connect' });
}

const byName = { kind: 'container name', ref: 'web' };
const byId = { kind: 'container', ref: 'abc123' };

describe('translateEngineError', () => {
  it.each(['ENOENT', 'ECONNREFUSED', 'EACCES'])('answers %s on the socket as engine_unavailable', (code) => {
    const err = translateEngineError(socketError(code), byId);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.code).toBe('engine_unavailable');
    expect(err.message).toContain(code);
  });

  it.each([
    [
      'Docker',
      409,
      'Conflict. The container name "/web" is already in use by container "0a1b2c". You have to remove (or rename) that container to be able to reuse that name.',
    ],
    [
      'Podman',
      500,
      'creating container storage: the container name "web" is already in use by 0a1b2c. You have to remove that container to be able to reuse that name: that name is already in use',
    ],
  ])('answers a taken name from %s as name_conflict', (_, status, message) => {
    const err = translateEngineError(modemError(status, message), byName);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe('name_conflict');
    expect(err.field).toBe('name');
    expect(err.message).toBe('a container named "web" already exists');
  });

  it('does not call "already in use" a name conflict when no name was asked for', () => {
    const err = translateEngineError(modemError(409, 'Conflict. The container name "/web" is already in use by container "0a1b2c".'), byId);
    expect(err).toBeInstanceOf(EngineError);
  });

  it.each([
    ['Docker', 'driver failed programming external connectivity on endpoint web (0a1b): Bind for 0.0.0.0:8080 failed: port is already allocated'],
    ['Podman', 'rootlessport listen tcp 0.0.0.0:8080: bind: address already in use'],
  ])('answers a taken host port from %s as port_conflict, even for a named container', (_, message) => {
    const err = translateEngineError(modemError(500, message), byName);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe('port_conflict');
    expect(err.field).toBe('ports');
  });

  it('answers "No such container" as not_found for the subject', () => {
    const err = translateEngineError(modemError(404, 'No such container: abc123'), byId);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe('not_found');
    expect(err.message).toBe('container "abc123" not found');
  });

  it('answers Podman\'s "no container with name or id" as not_found whatever the status', () => {
    const err = translateEngineError(modemError(500, 'no container with name or id "abc123" found: no such container'), byId);
    expect(err).toBeInstanceOf(NotFoundError);
  });

  it('answers "No such image" as not_found on the image field, naming the image', () => {
    const err = translateEngineError(modemError(404, 'No such image: foo:1'), byName);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.field).toBe('image');
    expect(err.message).toBe('image "foo:1" not found');
  });

  it('answers an invalid reference as invalid_input on the image', () => {
    const err = translateEngineError(modemError(400, 'invalid reference format'), { kind: 'image', ref: 'UPPER' });
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.field).toBe('image');
  });

  // Messages as Docker 20.10 and Podman 4.3 send them on DELETE /images/{name}.
  it.each([
    ['Docker, a tag', 409, 'conflict: unable to remove repository reference "app:1" (must force) - container 7948f0958572 is using its referenced image e69a11d1bfc1'],
    ['Docker, an id, stopped container', 409, 'conflict: unable to delete e69a11d1bfc1 (must be forced) - image is being used by stopped container 7948f0958572'],
    ['Docker, an id, running container', 409, 'conflict: unable to delete e69a11d1bfc1 (cannot be forced) - image is being used by running container 2283ffcdb287'],
    ['Podman', 409, 'image app:1 is in use: image used by 85b786c20f7b: image is in use by a container: consider listing external containers and force-removing image'],
  ])('answers an image in use (%s) as state_conflict', (_, status, message) => {
    const err = translateEngineError(modemError(status, message), { kind: 'image', ref: 'app:1' });
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe('state_conflict');
    expect(err.message).toBe('image "app:1" is used by a container; remove the container first, or force the removal');
  });

  it.each([
    ['Docker', 409, 'conflict: unable to delete d445979152be (must be forced) - image is referenced in multiple repositories'],
    ['Podman', 500, 'unable to delete image "1581f6bc81d3" by ID with more than one tag ([docker.io/exp/a:1 docker.io/exp/a:2]): please force removal'],
  ])('answers an id with several tags (%s) as state_conflict', (_, status, message) => {
    const err = translateEngineError(modemError(status, message), { kind: 'image', ref: 'd445979152be' });
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe('state_conflict');
    expect(err.message).toContain('several tags');
  });

  it("answers anything else as engine_error with the engine's message and status", () => {
    const err = translateEngineError(modemError(500, 'something broke inside'), byId);
    expect(err).toBeInstanceOf(EngineError);
    expect(err.code).toBe('engine_error');
    expect(err.message).toBe('something broke inside');
    expect(err.details).toEqual({ status: 500 });
  });

  it("passes Berth's own errors through untouched", () => {
    const own = new UnavailableError('engine', 'timed out');
    expect(translateEngineError(own, byId)).toBe(own);
  });

  it('never returns a raw library error', () => {
    expect(translateEngineError(new TypeError('boom'), byId)).toBeInstanceOf(AppError);
    expect(translateEngineError('a string', byId)).toBeInstanceOf(AppError);
  });
});

describe('engineMessage', () => {
  it("prefers the engine's JSON message, then a text body, then the error message", () => {
    expect(engineMessage(modemError(500, 'from json'))).toBe('from json');
    expect(engineMessage({ json: '  plain body \n', message: 'outer' })).toBe('plain body');
    expect(engineMessage({ json: null, message: 'outer' })).toBe('outer');
  });
});
