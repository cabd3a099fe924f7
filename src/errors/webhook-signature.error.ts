import { AppError } from './app.error';

export type WebhookSignatureCode = 'webhook_signature_missing' | 'webhook_signature_invalid';

/**
 * A webhook delivery without a signature, or with one that no valid secret produced (401). The
 * message names the header to check, never a secret or the signature that was sent.
 */
export class WebhookSignatureError extends AppError {
  constructor(code: WebhookSignatureCode, message: string) {
    super(code, message);
  }
}
