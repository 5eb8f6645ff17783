/**
 * Slows down guessing the admin token: an address that sent a wrong or missing token too often within a
 * window is refused (429, with `Retry-After`) until the window ends, whatever token it sends meanwhile.
 * One fixed window per address, kept in memory for this process; the map is bounded.
 */

/** Options of {@link createFailedAttempts}. */
export interface FailedAttemptsOptions {
  /** Failures allowed per address and window (default 20). */
  readonly max?: number;
  /** Length of a window in ms (default 60 s). */
  readonly windowMs?: number;
  /** The clock in ms (tests). */
  readonly now?: () => number;
}

/** The failures of each address in its current window. */
export interface FailedAttempts {
  /** Seconds until `address` may try again; 0 when it may now. */
  retryAfter(address: string): number;
  /** Counts one failure of `address`. */
  fail(address: string): void;
}

/** How many addresses are remembered; the oldest windows go first beyond it. */
const MAX_ADDRESSES = 10_000;

interface Window {
  readonly start: number;
  count: number;
}

/** Creates the counter of one listener. */
export function createFailedAttempts(options: FailedAttemptsOptions = {}): FailedAttempts {
  const max = options.max ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  const current = (address: string, at: number): Window | undefined => {
    const window = windows.get(address);
    if (window !== undefined && at - window.start >= windowMs) {
      windows.delete(address);
      return undefined;
    }
    return window;
  };
  return {
    retryAfter(address) {
      const at = now();
      const window = current(address, at);
      return window === undefined || window.count < max
        ? 0
        : Math.max(1, Math.ceil((window.start + windowMs - at) / 1000));
    },
    fail(address) {
      const at = now();
      const window = current(address, at);
      if (window !== undefined) {
        window.count += 1;
        return;
      }
      if (windows.size >= MAX_ADDRESSES) {
        windows.delete(windows.keys().next().value as string);
      }
      windows.set(address, { start: at, count: 1 });
    },
  };
}
