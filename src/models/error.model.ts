/** The body of every error answer. */
export interface ErrorBody {
  error: {
    /** Stable, machine-readable code, e.g. `invalid_input`, `not_found`, `name_conflict`. */
    code: string;
    message: string;
    /** The input field at fault, when there is one. */
    field?: string;
    details?: { [key: string]: unknown };
  };
}
