/**
 * Traffic rows → chart series (decision 0032), without I/O: the time grid of a window, rows summed per
 * point, and the 95th percentile from summed latency buckets.
 */
import { PorticoError } from '../../shared/errors.js';
import { TRAFFIC_LATENCY_BOUNDS_MS, TRAFFIC_OVERFLOW_BUCKET } from '../../shared/traffic.js';

/** The windows the portal shows: the last hour by minute, the last day by quarter hour. */
export const TRAFFIC_WINDOWS = {
  hour: { points: 60, stepMinutes: 1, interval: 'PT1M' },
  day: { points: 96, stepMinutes: 15, interval: 'PT15M' },
} as const;

/** A window's name. */
export type TrafficWindow = keyof typeof TRAFFIC_WINDOWS;

/** How long rows are kept: the longest window. */
export const TRAFFIC_RETENTION_MS = 24 * 60 * 60_000;

/** The points of a window ending with the step `now` is in. */
export interface TrafficGrid {
  readonly window: TrafficWindow;
  readonly interval: string;
  /** Start of the first point, ms since the epoch. */
  readonly start: number;
  readonly stepMs: number;
  readonly points: number;
}

/** Reads `?window=`: `hour` (the default) or `day`; anything else is a 400 that says what to send. */
export function parseTrafficWindow(value: string | null): TrafficWindow {
  if (value === null || value === '') {
    return 'hour';
  }
  if (value === 'hour' || value === 'day') {
    return value;
  }
  throw new PorticoError(
    'CONTROL_BAD_REQUEST',
    `Unknown traffic window '${value}' in ?window=; use hour (the last 60 minutes) or day (the last 24 hours).`,
  );
}

/** The grid of `window` at `now` (ms). */
export function gridOf(window: TrafficWindow, now: number): TrafficGrid {
  const { points, stepMinutes, interval } = TRAFFIC_WINDOWS[window];
  const stepMs = stepMinutes * 60_000;
  const last = Math.floor(now / stepMs) * stepMs;
  return { window, interval, start: last - (points - 1) * stepMs, stepMs, points };
}

/** The point of the grid a minute (ISO) falls in, or -1 outside it. */
export function pointIndex(grid: TrafficGrid, minute: string): number {
  const index = Math.floor((Date.parse(minute) - grid.start) / grid.stepMs);
  return Number.isInteger(index) && index >= 0 && index < grid.points ? index : -1;
}

/** The start of every point, ISO-8601. */
export function pointTimes(grid: TrafficGrid): string[] {
  return Array.from({ length: grid.points }, (_, i) => new Date(grid.start + i * grid.stepMs).toISOString());
}

/** Requests per latency bucket, by the bucket's upper bound in ms (`inf` past the last). */
export type LatencyBuckets = Record<string, number>;

/** Adds `more` into `into`. */
export function addBuckets(into: LatencyBuckets, more: Readonly<LatencyBuckets>): void {
  for (const [bound, count] of Object.entries(more)) {
    if (isBound(bound) && Number.isFinite(count) && count > 0) {
      into[bound] = (into[bound] ?? 0) + count;
    }
  }
}

/** The stored JSON of a row's buckets; a damaged value counts as no latency, never as an error. */
export function parseBuckets(text: string): LatencyBuckets {
  try {
    const value: unknown = JSON.parse(text);
    const buckets: LatencyBuckets = {};
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      addBuckets(buckets, value as LatencyBuckets);
    }
    return buckets;
  } catch {
    return {};
  }
}

/**
 * The `q` quantile (0–1) in ms, interpolated linearly inside its bucket as Prometheus's
 * `histogram_quantile` does; in the bucket past the last bound it is that bound. `null` without requests.
 */
export function quantileMs(buckets: Readonly<LatencyBuckets>, q: number): number | null {
  const sorted = Object.entries(buckets)
    .map(([bound, count]) => [boundOf(bound), count] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) {
    return null;
  }
  const rank = q * total;
  let below = 0;
  let previous = 0;
  for (const [upper, count] of sorted) {
    if (below + count >= rank) {
      if (!Number.isFinite(upper)) {
        return round(Math.max(previous, LAST_BOUND_MS));
      }
      const lower = lowerBoundOf(upper, previous);
      return round(lower + ((upper - lower) * (rank - below)) / count);
    }
    below += count;
    previous = Number.isFinite(upper) ? upper : previous;
  }
  return round(previous);
}

/** A bucket's lower bound: the bound before it (rows leave empty buckets out, so look it up). */
function lowerBoundOf(upper: number, previousPresent: number): number {
  const known = TRAFFIC_LATENCY_BOUNDS_MS.filter((bound) => bound < upper).at(-1) ?? 0;
  return Math.max(known, previousPresent);
}

const LAST_BOUND_MS = TRAFFIC_LATENCY_BOUNDS_MS.at(-1) ?? 0;

function boundOf(key: string): number {
  return key === TRAFFIC_OVERFLOW_BUCKET ? Number.POSITIVE_INFINITY : Number(key);
}

function isBound(key: string): boolean {
  return key === TRAFFIC_OVERFLOW_BUCKET || (key !== '' && Number.isFinite(Number(key)) && Number(key) > 0);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
