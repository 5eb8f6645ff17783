/**
 * Health checks of a running worker at a fixed pace: an IPC `ping` each worker must answer with `pong`.
 * A worker whose event loop is blocked (an endless loop in user code) still has open sockets and an open
 * IPC channel, so only an answer proves it is alive. The check goes to one worker, not to the shared port,
 * so each worker of an app is judged on its own.
 */

/** Inputs of {@link startHealthMonitor}. */
export interface HealthMonitorOptions {
  /** One check: resolves true when the worker answered within `timeoutMs`. */
  readonly check: (timeoutMs: number) => Promise<boolean>;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive failures that make the worker unhealthy. */
  readonly maxFailures: number;
  /** Called once, when the worker has failed `maxFailures` checks in a row; monitoring then stops. */
  readonly onUnhealthy: (failures: number) => void;
}

/** Starts checking; the returned function stops it (idempotent). */
export function startHealthMonitor(options: HealthMonitorOptions): () => void {
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    timer = setTimeout(() => void check(), options.intervalMs);
    timer.unref();
  };
  const check = async (): Promise<void> => {
    const healthy = await options.check(options.timeoutMs).catch(() => false);
    if (stopped) {
      return;
    }
    failures = healthy ? 0 : failures + 1;
    if (failures >= options.maxFailures) {
      stopped = true;
      options.onUnhealthy(failures);
      return;
    }
    schedule();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
