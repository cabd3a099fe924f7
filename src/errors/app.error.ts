/**
 * Base of every error Berth raises on purpose. `code` is stable and machine-readable;
 * `http.error-mapper.ts` turns it into a status and the JSON error body.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
