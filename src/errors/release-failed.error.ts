import { AppError } from './app.error';

export type ReleaseFailureCode = 'release_unhealthy' | 'replica_exited';

/** A new release did not pass its health gate: the app, not Berth, is at fault. Its containers are gone. */
export class ReleaseFailedError extends AppError {
  constructor(code: ReleaseFailureCode, message: string) {
    super(code, message);
  }
}
