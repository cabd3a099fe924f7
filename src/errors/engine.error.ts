import { AppError } from './app.error';

/** The engine refused an operation for a reason that is not the client's input (502). */
export class EngineError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('engine_error', message, undefined, details);
  }
}
