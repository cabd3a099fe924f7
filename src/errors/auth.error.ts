import { AppError } from './app.error';

/** Missing or wrong bearer token (401). */
export class UnauthorizedError extends AppError {
  constructor(message = 'a valid "Authorization: Bearer <token>" header is required') {
    super('unauthorized', message);
  }
}
