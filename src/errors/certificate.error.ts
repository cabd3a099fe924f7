import { AppError } from './app.error';

/**
 * A certificate could not be obtained (`certificate_order_failed`: the ACME server refused,
 * did not answer, or its challenge failed). Not an HTTP error: it is logged and retried.
 */
export class CertificateError extends AppError {
  constructor(message: string) {
    super('certificate_order_failed', message);
  }
}
