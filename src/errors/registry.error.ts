import { AppError } from './app.error';

export type RegistryFailureCode = 'registry_auth_failed' | 'registry_not_found' | 'registry_unreachable' | 'registry_error';

/** A registry refused or failed a pull or push; `details.registry` names it. */
export class RegistryError extends AppError {
  constructor(
    code: RegistryFailureCode,
    readonly registry: string,
    message: string,
  ) {
    super(code, message, undefined, { registry });
  }
}
