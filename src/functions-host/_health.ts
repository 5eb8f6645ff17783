/**
 * Health checks of a running worker: `GET /__portico/health` at a fixed pace. A worker whose event loop is
 * blocked (an endless loop in user code) still has an open socket, so only an answer proves it is alive.
 */
import { sendLoopbackRequest } from './_http.js';

/** The worker's health endpoint, outside `/api` so no app route can shadow it. */
export const HEALTH_PATH = '/__portico/health';

/** Inputs of {@link startHealthMonitor}. */
export interface HealthMonitorOptions {
  /** Base URL of the worker. */
  readonly url: string;
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
    const healthy = await isHealthy(options);
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

async function isHealthy(options: HealthMonitorOptions): Promise<boolean> {
  try {
    const response = await sendLoopbackRequest(`${options.url}${HEALTH_PATH}`, {
      method: 'GET',
      timeoutMs: options.timeoutMs,
    });
    return response.status === 200;
  } catch {
    return false;
  }
}
