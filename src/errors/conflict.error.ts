import { AppError } from './app.error';

export type ConflictCode = 'name_conflict' | 'port_conflict' | 'state_conflict' | 'ambiguous_reference';

/** The request clashes with what exists: a taken name or port, a wrong state (409). */
export class ConflictError extends AppError {
  constructor(code: ConflictCode, message: string, field?: string) {
    super(code, message, field);
  }
}
