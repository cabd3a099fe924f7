import { AppError, ConflictError, EngineError, NotFoundError, UnavailableError, ValidationError } from '../errors';

/** What dockerode rejects with: an HTTP status from the engine, or a socket error. */
interface ModemError {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string } | string | null;
  reason?: string;
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTSOCK']);

export function engineMessage(err: unknown): string {
  const e = err as ModemError;
  const json = e.json;
  if (json && typeof json === 'object' && json.message) return json.message;
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  return e.reason ?? e.message ?? String(err);
}

/**
 * Translates an engine failure into Berth's errors, so that Docker and Podman answer alike
 * (Podman says 500 where Docker says 409 for a taken name, for instance).
 * `subject` names what the call was about, for 404 messages; `image` is the image a create used.
 */
export function translateEngineError(err: unknown, subject: { kind: string; ref: string; image?: string }): AppError {
  if (err instanceof AppError) return err;
  const e = err as ModemError;
  const message = engineMessage(err);
  if (e.code && UNREACHABLE.has(e.code)) {
    return new UnavailableError('engine', `container engine is not reachable (${e.code})`);
  }
  if (/port is already allocated|address already in use|bind: address/i.test(message)) {
    return new ConflictError('port_conflict', `host port is already in use: ${message}`, 'ports');
  }
  if (/is already in use|already exists/i.test(message) && subject.kind === 'container name') {
    return new ConflictError('name_conflict', `a container named ${JSON.stringify(subject.ref)} already exists`, 'name');
  }
  if (subject.kind === 'image') {
    const conflict = imageConflict(message, subject.ref);
    if (conflict) return conflict;
  }
  if (/no such image|image not known|not found.*image|unable to find image/i.test(message)) {
    return new NotFoundError('image', subject.image ?? (subject.kind === 'image' ? subject.ref : imageFrom(message)), 'image');
  }
  if (/multiple (ids|containers) found|more than one result|ambiguous/i.test(message)) {
    return new ConflictError('ambiguous_reference', `${JSON.stringify(subject.ref)} matches more than one container; use a longer id`);
  }
  if (e.statusCode === 404 || /no such container|no container with name or id/i.test(message)) {
    return new NotFoundError(subject.kind, subject.ref);
  }
  if (e.statusCode === 400 && /invalid reference format|invalid argument/i.test(message)) {
    return new ValidationError(message, subject.kind === 'image' ? 'image' : undefined);
  }
  return new EngineError(message, { status: e.statusCode });
}

/** Docker says 409 for both; Podman 409 for an image in use but 500 for an id with several tags. */
function imageConflict(message: string, ref: string): ConflictError | undefined {
  if (/referenced in multiple repositories|by ID with more than one tag/i.test(message)) {
    return new ConflictError('state_conflict', `image ${JSON.stringify(ref)} has several tags; remove them one by one, or force the removal`);
  }
  if (/is in use by a container|is using its referenced image|is being used by (?:running|stopped) container/i.test(message)) {
    return new ConflictError('state_conflict', `image ${JSON.stringify(ref)} is used by a container; remove the container first, or force the removal`);
  }
  return undefined;
}

function imageFrom(message: string): string {
  return /image:?\s+"?([^\s"]+)"?/i.exec(message)?.[1] ?? 'requested';
}
