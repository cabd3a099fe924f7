import { AppError } from './app.error';

/** The request is malformed; `field` names the offending input (400). */
export class ValidationError extends AppError {
  constructor(message: string, field?: string) {
    super('invalid_input', message, field);
  }
}
