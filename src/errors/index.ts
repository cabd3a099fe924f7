export { AppError } from './app.error';
export { ValidationError } from './validation.error';
export { NotFoundError } from './not-found.error';
export { ConflictError } from './conflict.error';
export { UnavailableError } from './unavailable.error';
export { UnauthorizedError } from './auth.error';
export { ForbiddenError } from './forbidden.error';
export { EngineError } from './engine.error';
