/**
 * The data plane's side of a lost database: what `/.auth` and invitation links write or read from it
 * fails as `STORAGE_UNAVAILABLE` (the edge answers 503, "try again"), not as an internal error.
 */
import { storageUnavailable } from '../storage/index.js';

/** `work`'s result; its rejection as `STORAGE_UNAVAILABLE` when the database is out of reach. */
export async function orUnavailable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw storageUnavailable(error) ?? error;
  }
}
