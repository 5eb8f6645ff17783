/** Defaults of the functions host. */
import type { HostTimings } from './types.js';

/** Delays used unless `options.timings` overrides them. */
export const DEFAULT_TIMINGS: HostTimings = {
  readyTimeoutMs: 30_000,
  healthIntervalMs: 5_000,
  healthTimeoutMs: 2_000,
  healthFailures: 2,
  backoffInitialMs: 250,
  backoffMaxMs: 10_000,
  backoffResetMs: 30_000,
  stopGraceMs: 3_000,
  watchDebounceMs: 200,
  invokeTimeoutMs: 45_000,
};

/** Heap limit of a worker unless `options.maxMemoryMb` says otherwise. */
export const DEFAULT_MAX_MEMORY_MB = 512;

/** Address the worker listens on unless `options.host` says otherwise. */
export const DEFAULT_HOST = '127.0.0.1';
