/** Folder-private: the arithmetic both counter stores share (decisions, retry delays, quota windows). */
import type { CounterDecision } from '../types.js';

/**
 * The `retryAfterSeconds` of a refused quota that never renews (`renewal-period` 0): 2^31 − 1 s, the
 * largest delta-seconds that HTTP caches must understand (RFC 9111 §1.2.2).
 */
export const NEVER_RENEWS_RETRY_AFTER_SECONDS = 2_147_483_647;

/** A quota's current fixed window, `[start, end)` in ms; `end` is `Infinity` for a lifetime quota. */
export interface QuotaWindow {
  readonly start: number;
  readonly end: number;
}

/** An admitted call with `remaining` left (never negative). */
export function admit(remaining: number): CounterDecision {
  return { allowed: true, remaining: Math.max(0, remaining), retryAfterSeconds: 0 };
}

/** A refused call that may retry in `waitMs` (rounded up to whole seconds, at least 1). */
export function refuse(waitMs: number): CounterDecision {
  const seconds = Number.isFinite(waitMs) ? Math.ceil(waitMs / 1000) : NEVER_RENEWS_RETRY_AFTER_SECONDS;
  return {
    allowed: false,
    remaining: 0,
    retryAfterSeconds: Math.min(Math.max(1, seconds), NEVER_RENEWS_RETRY_AFTER_SECONDS),
  };
}

/**
 * The fixed window holding `now`: windows of `periodSeconds` laid end to end from `periodStart` (before
 * and after it); one endless window when `periodSeconds` is 0 (APIM's `renewal-period="0"`).
 */
export function quotaWindow(now: number, periodSeconds: number, periodStart: number): QuotaWindow {
  if (!(periodSeconds > 0)) {
    return { start: periodStart, end: Number.POSITIVE_INFINITY };
  }
  const periodMs = periodSeconds * 1000;
  const index = Math.floor((now - periodStart) / periodMs);
  return { start: periodStart + index * periodMs, end: periodStart + (index + 1) * periodMs };
}

/** A call count as a whole, non-negative number (bad input counts nothing). */
export function sanitizeCount(count: number): number {
  return Number.isFinite(count) && count > 0 ? Math.ceil(count) : 0;
}

/** A quota amount (calls or KB) as a non-negative number; fractions of a KB are kept. */
export function sanitizeAmount(amount: number): number {
  return Number.isFinite(amount) && amount > 0 ? amount : 0;
}

/** A window length in ms (a negative or unusable length is an empty window). */
export function windowMs(windowSeconds: number): number {
  return Number.isFinite(windowSeconds) && windowSeconds > 0 ? Math.round(windowSeconds * 1000) : 0;
}
