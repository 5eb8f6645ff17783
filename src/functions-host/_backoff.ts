/**
 * Restart delays after crashes: doubling from a first delay up to a cap, and back to the first delay once
 * a worker has stayed up long enough to count as healthy.
 */

/** The numbers of a back-off policy. */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Uptime after which the next crash starts again from `initialMs`. */
  readonly resetAfterMs: number;
}

/** Counts crashes in a row and says how long to wait before the next restart. */
export interface Backoff {
  /** The delay before restarting a worker that crashed after `uptimeMs` of service. */
  next(uptimeMs: number): number;
  /** Forgets earlier crashes (after a deliberate restart). */
  reset(): void;
}

/** Creates a {@link Backoff} following `policy`. */
export function createBackoff(policy: BackoffPolicy): Backoff {
  let crashes = 0;
  return {
    next(uptimeMs) {
      if (uptimeMs >= policy.resetAfterMs) {
        crashes = 0;
      }
      const delay = Math.min(policy.initialMs * 2 ** crashes, policy.maxMs);
      crashes++;
      return delay;
    },
    reset() {
      crashes = 0;
    },
  };
}
