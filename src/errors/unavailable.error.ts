import { AppError } from './app.error';

/** A system Berth depends on does not answer: the container engine or Redis (503). */
export class UnavailableError extends AppError {
  constructor(
    readonly service: 'engine' | 'redis',
    message: string,
  ) {
    super(`${service}_unavailable`, message);
  }
}
