/**
 * Counters in this process's memory, for a single gateway node: exact sliding logs for `rate-limit*`
 * and fixed windows for `quota*` (spec/apim.md §2.1). JavaScript runs one callback at a time, so each
 * check-and-count is atomic without locks, and refused calls are never counted (§5.1).
 */
import type { CounterDecision, CounterStore } from '../types.js';
import {
  admit,
  type QuotaWindow,
  quotaWindow,
  refuse,
  sanitizeAmount,
  sanitizeCount,
  windowMs,
} from './_decision.js';

/** How often expired counters are dropped. */
const SWEEP_INTERVAL_MS = 60_000;
/** The entry bound of a sliding log that has only been counted by `addRate` (no limit seen yet). */
const DEFAULT_ENTRY_CAP = 1024;
/**
 * The most entries one log keeps. Up to this limit a log is exact; above it (limits of more than 8192
 * calls), calls are grouped into at most this many entries, so memory stays bounded and counted calls
 * may stay in the window up to window/8192 longer, never shorter.
 */
const MAX_ENTRY_CAP = 8192;

/** Calls counted at one millisecond. */
interface Stamp {
  t: number;
  n: number;
}

/**
 * The sliding log of one rate key: stamps oldest first from `head` (expired ones before it are dropped
 * in batches, so expiring is cheap whatever the log's length), their sum, and the bounds last used.
 */
interface RateLog {
  readonly stamps: Stamp[];
  head: number;
  total: number;
  windowMs: number;
  cap: number;
}

/** The running total of one quota key in its current window. */
interface QuotaCount {
  window: QuotaWindow;
  total: number;
}

/** The memory store, with two seams for tests and diagnostics. */
export interface MemoryCounterStore extends CounterStore {
  /** Drops every expired counter now (the store also does it every minute). */
  sweep(): void;
  /** How many counters are held (rate logs plus quota windows). */
  size(): number;
}

/**
 * Creates an in-memory counter store, which answers synchronously. A sliding log never holds more
 * entries than the largest limit it was checked against (calls in the same millisecond share one entry); an unref'd timer drops expired
 * logs and quota windows every minute, and {@link CounterStore.close} stops it.
 *
 * @example
 * const counters = createMemoryCounterStore();
 * const decision = await counters.takeRate('sub-1', 10, 60, 1);
 */
export function createMemoryCounterStore(options: { now?: () => number } = {}): MemoryCounterStore {
  const now = options.now ?? Date.now;
  const rates = new Map<string, RateLog>();
  const quotas = new Map<string, QuotaCount>();
  const sweep = (): void => sweepExpired(rates, quotas, now());
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  timer.unref();
  // Every answer is given at once (no promise): the policies then go on without waiting (decision 0037).
  return {
    takeRate: (key, limit, seconds, count) => takeRate(rates, key, limit, windowMs(seconds), count, now()),
    peekRate: (key, limit, seconds) => peekRate(rates, key, limit, windowMs(seconds), now()),
    addRate: (key, seconds, count) => {
      record(openLog(rates, key, windowMs(seconds), now()), now(), sanitizeCount(count));
    },
    takeQuota: (key, limit, period, amount, start) =>
      takeQuota(openQuota(quotas, key, period, start, now()), limit, amount, now()),
    peekQuota: (key, limit, period, start) =>
      peekQuota(openQuota(quotas, key, period, start, now()), limit, now()),
    addQuota: (key, period, amount, start) => {
      openQuota(quotas, key, period, start, now()).total += sanitizeAmount(amount);
    },
    sweep,
    size: () => rates.size + quotas.size,
    close: async () => clearInterval(timer),
  };
}

function takeRate(
  rates: Map<string, RateLog>,
  key: string,
  limit: number,
  window: number,
  count: number,
  now: number,
): CounterDecision {
  const log = openLog(rates, key, window, now);
  const calls = sanitizeCount(count);
  log.cap = Math.min(Math.max(log.cap, limit), MAX_ENTRY_CAP);
  if (log.total + calls > limit) {
    return refuse(waitForRoom(log, log.total + calls - limit, now));
  }
  record(log, now, calls);
  return admit(limit - log.total);
}

function peekRate(rates: Map<string, RateLog>, key: string, limit: number, window: number, now: number) {
  const log = openLog(rates, key, window, now);
  if (log.total + 1 > limit) {
    return refuse(waitForRoom(log, log.total + 1 - limit, now));
  }
  return admit(limit - log.total - 1);
}

/** The log of `key` with the stamps that left the window removed (created when missing). */
function openLog(rates: Map<string, RateLog>, key: string, window: number, now: number): RateLog {
  let log = rates.get(key);
  if (log === undefined) {
    log = { stamps: [], head: 0, total: 0, windowMs: window, cap: DEFAULT_ENTRY_CAP };
    rates.set(key, log);
  }
  log.windowMs = window;
  const stamps = log.stamps;
  while (log.head < stamps.length && (stamps[log.head]?.t ?? now) <= now - window) {
    log.total -= stamps[log.head]?.n ?? 0;
    log.head += 1;
  }
  // Dropping the expired prefix costs no more than the expiries it follows: amortized O(1) per call.
  if (log.head > 0 && log.head * 2 >= stamps.length) {
    stamps.splice(0, log.head);
    log.head = 0;
  }
  return log;
}

/**
 * Counts `calls` at `now`. Calls of one millisecond share an entry; past the entry cap the newest entry
 * absorbs them and moves to `now`, which keeps them in the window a little longer (never shorter).
 */
function record(log: RateLog, now: number, calls: number): void {
  if (calls === 0) {
    return;
  }
  log.total += calls;
  const last = log.stamps.at(-1);
  const live = log.stamps.length - log.head;
  if (last !== undefined && live > 0 && (last.t === now || live >= log.cap)) {
    last.t = now;
    last.n += calls;
    return;
  }
  log.stamps.push({ t: now, n: calls });
}

/** Ms until the oldest `excess` counted calls have left the window (a full window if never). */
function waitForRoom(log: RateLog, excess: number, now: number): number {
  let left = 0;
  for (let i = log.head; i < log.stamps.length; i += 1) {
    const stamp = log.stamps[i] as Stamp;
    left += stamp.n;
    if (left >= excess) {
      return stamp.t + log.windowMs - now;
    }
  }
  return log.windowMs;
}

/** The count of `key` in the window holding `now`, reset when a new window has begun. */
function openQuota(
  quotas: Map<string, QuotaCount>,
  key: string,
  periodSeconds: number,
  periodStart: number,
  now: number,
): QuotaCount {
  const id = `${key}\u0000${periodSeconds}\u0000${periodStart}`;
  const window = quotaWindow(now, periodSeconds, periodStart);
  const count = quotas.get(id);
  if (count !== undefined && count.window.start === window.start) {
    return count;
  }
  const fresh = { window, total: 0 };
  quotas.set(id, fresh);
  return fresh;
}

function takeQuota(count: QuotaCount, limit: number, amount: number, now: number): CounterDecision {
  const added = sanitizeAmount(amount);
  if (count.total + added > limit) {
    return refuse(count.window.end - now);
  }
  count.total += added;
  return admit(limit - count.total);
}

function peekQuota(count: QuotaCount, limit: number, now: number): CounterDecision {
  return count.total < limit ? admit(limit - count.total) : refuse(count.window.end - now);
}

function sweepExpired(rates: Map<string, RateLog>, quotas: Map<string, QuotaCount>, now: number): void {
  for (const [key, log] of rates) {
    const newest = log.stamps.at(-1);
    if (newest === undefined || newest.t <= now - log.windowMs) {
      rates.delete(key);
    }
  }
  for (const [id, count] of quotas) {
    if (count.window.end <= now) {
      quotas.delete(id);
    }
  }
}
