import { UnavailableError } from '../errors';

/** Runs Redis commands; every Redis failure becomes UnavailableError, so the API answers 503. */
export async function redisCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new UnavailableError('redis', `redis is not reachable: ${(err as Error).message}`);
  }
}
