import { AppError } from './app.error';

/**
 * A stopped app's replicas did not pass the health gate when started again (502): the app is at
 * fault, and it stays stopped. `details.log` holds the probe results.
 */
export class AppUnhealthyError extends AppError {
  constructor(message: string, log: readonly string[]) {
    super('app_unhealthy', message, undefined, { log: [...log] });
  }
}
