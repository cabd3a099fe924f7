import { errorThrown } from '../../errors/testing/error-thrown';
import { ConfigError } from '../config.loader';

/** The ConfigError that `fn` throws; fails the test when it throws nothing or something else. */
export function configError(fn: () => unknown): ConfigError {
  return errorThrown(ConfigError, fn);
}
