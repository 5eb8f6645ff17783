/**
 * What a failed deploy says of what the environment serves. The checks that refuse a deployment say
 * {@link PREVIOUS_KEEPS_SERVING}; when the environment had nothing live (its first deploy failed), that
 * is not true, and the commit restates it before anyone reads it (the REST answer, the deployment's
 * stored error).
 */
import { PorticoError } from '../shared/errors.js';

/** The words of a refusal while an earlier deployment is live. */
export const PREVIOUS_KEEPS_SERVING = 'the previous deployment keeps serving';

/** The same place in the sentence when nothing was live. */
const NOTHING_LIVE = 'nothing was deployed to this environment before, so it still serves nothing';

/** `message`, true for an environment with (`live`) or without a live deployment. */
export function restateFailureMessage(message: string, live: boolean): string {
  return live ? message : message.replaceAll(PREVIOUS_KEEPS_SERVING, NOTHING_LIVE);
}

/** `error` with its message restated (a new error of the same code, status and details), or itself. */
export function restateFailure(error: unknown, live: boolean): unknown {
  if (live || !(error instanceof PorticoError) || !error.message.includes(PREVIOUS_KEEPS_SERVING)) {
    return error;
  }
  return new PorticoError(error.code, restateFailureMessage(error.message, live), {
    cause: error.cause,
    status: error.status,
    ...(error.details === undefined ? {} : { details: error.details }),
    ...(error.exitCode === undefined ? {} : { exitCode: error.exitCode }),
  });
}
