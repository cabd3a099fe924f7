import { AppError } from './app.error';

/** The action is never allowed through the API, such as stopping Berth's own containers (403). */
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('forbidden', message);
  }
}
