import { PlanError } from '../plan';

/** The PlanError `call` throws; fails the test when it throws nothing or something else. */
export function planErrorOf(call: () => unknown): PlanError {
  try {
    call();
  } catch (error) {
    if (error instanceof PlanError) return error;
    throw error;
  }
  throw new Error('expected a PlanError');
}
