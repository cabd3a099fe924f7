import { AppError } from './app.error';

/** The named resource does not exist, or is not Berth's to show (404). */
export class NotFoundError extends AppError {
  constructor(kind: string, ref: string, field?: string) {
    super('not_found', `${kind} ${JSON.stringify(ref)} not found`, field);
  }
}
