import { AppError } from './app.error';

/** A system Berth depends on does not answer: the container engine, Redis or the proxy (503). */
export class UnavailableError extends AppError {
  constructor(
    readonly service: 'engine' | 'redis' | 'proxy',
    message: string,
  ) {
    super(`${service}_unavailable`, message);
  }
}
