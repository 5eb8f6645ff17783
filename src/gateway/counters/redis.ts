/**
 * Counters shared by every gateway node through Redis (spec/apim.md §5.1): each check-and-count is one
 * Lua script, so concurrent callers on any number of nodes can never overshoot a limit, and refused calls
 * are never counted.
 *
 * Clock: by default the scripts read the Redis server's `TIME`, so all nodes share one clock and node
 * clock skew (a Tyk pain point, §5.1) cannot widen or narrow windows. A `now` option replaces it with
 * the caller's clock (tests); nodes that pass their own clocks must keep them synchronized (NTP).
 *
 * Availability: when Redis fails after start, the store fails OPEN, as APIM does when its counters are
 * unavailable: calls are admitted uncounted, and one warning is logged per outage. A Redis that holds its
 * connection without answering fails a command after 2 s; the store then stops asking it for 2 s at a
 * time, so calls are not each held up by a timeout of their own.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { PorticoError } from '../../shared/errors.js';
import { publishEvent } from '../../shared/events.js';
import { errorMessage } from '../../shared/guards.js';
import { isRedisAuthRefusal, redisAuthRefused } from '../../shared/redis-auth.js';
import type { CounterDecision, CounterStore } from '../types.js';
import { admit, refuse, sanitizeAmount, sanitizeCount, windowMs } from './_decision.js';
import { QUOTA_SCRIPT, RATE_SCRIPT } from './_scripts.js';

/** How long the store fails open without asking Redis after a command failed. */
const PAUSE_AFTER_FAILURE_MS = 2000;

/** Options of {@link createRedisCounterStore}. */
export interface RedisCounterOptions {
  /** The clock in ms; absent = the Redis server's clock (recommended for several nodes). */
  readonly now?: () => number;
  /** Prefix of every key the store writes (default `portico:counters:`; `portico serve` gives `portico:<service id>:counters:`). */
  readonly keyPrefix?: string;
  /** Receives one warning when Redis becomes unreachable after start (the store then fails open). */
  readonly logger?: { warn(message: string): void };
}

/** A Lua script and its SHA-1, for EVALSHA. */
interface Script {
  readonly source: string;
  readonly sha: string;
}

type Mode = 'take' | 'peek' | 'add';

/**
 * Connects to Redis and returns a shared counter store. Rejects with `STORAGE_REDIS_AUTH_REFUSED` when
 * Redis refuses the URL's credentials, and without a logger with `STORAGE_UNAVAILABLE` when Redis cannot
 * be reached at start (the URL's password redacted in both).
 *
 * @example
 * const counters = await createRedisCounterStore('redis://127.0.0.1:6379');
 * const decision = await counters.takeQuota('sub-1', 10_000, 3600, 1, subscriptionCreatedAt);
 */
export async function createRedisCounterStore(
  url: string,
  options: RedisCounterOptions = {},
): Promise<CounterStore> {
  const client = await connect(url, options.logger);
  const prefix = options.keyPrefix ?? 'portico:counters:';
  const clock = options.now === undefined ? () => -1 : options.now;
  const guard = createGuard(url, options.logger);
  const rate = createRunner(client, script(RATE_SCRIPT));
  const quota = createRunner(client, script(QUOTA_SCRIPT));
  const member = createMemberIds();
  const runRate = (mode: Mode, key: string, limit: number, seconds: number, count: number) =>
    rate([`${prefix}rate:${key}`], [mode, limit, windowMs(seconds), count, clock(), member()]);
  const runQuota = (mode: Mode, key: string, limit: number, period: number, amount: number, start: number) =>
    quota([quotaKey(prefix, key, period, start)], [mode, limit, amount, windowMs(period), start, clock()]);
  return {
    takeRate: (key, limit, seconds, count) => {
      const calls = sanitizeCount(count);
      return guard(
        () => runRate('take', key, limit, seconds, calls).then((r) => rateDecision(r, limit, calls)),
        admit(limit - calls),
      );
    },
    peekRate: (key, limit, seconds) =>
      guard(
        () => runRate('peek', key, limit, seconds, 1).then((r) => rateDecision(r, limit, 1)),
        admit(limit - 1),
      ),
    addRate: (key, seconds, count) =>
      guard(() => runRate('add', key, 0, seconds, sanitizeCount(count)).then(() => undefined), undefined),
    takeQuota: (key, limit, period, amount, start) => {
      return guard(
        () =>
          runQuota('take', key, limit, period, sanitizeAmount(amount), start).then((r) =>
            quotaDecision(r, limit),
          ),
        admit(limit - sanitizeAmount(amount)),
      );
    },
    peekQuota: (key, limit, period, start) =>
      guard(
        () => runQuota('peek', key, limit, period, 0, start).then((r) => quotaDecision(r, limit)),
        admit(limit),
      ),
    addQuota: (key, period, amount, start) =>
      guard(
        () => runQuota('add', key, 0, period, sanitizeAmount(amount), start).then(() => undefined),
        undefined,
      ),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/**
 * Opens the connection. Unreachable at start, the client keeps reconnecting and the store fails open
 * meanwhile (as after an outage), with one warning, so that a node restarted during a Redis outage still
 * serves; without a logger (tests, tools) it rejects with a `STORAGE_UNAVAILABLE` naming the redacted URL.
 */
async function connect(url: string, logger?: { warn(message: string): void }): Promise<Redis> {
  let lastError: string | undefined;
  // Imported here: only a service with --redis-url loads ioredis (decision 0035).
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    // Commands fail at once while Redis is away (the store then fails open) instead of piling up.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
  client.on('error', (error: Error) => {
    lastError = error.message;
  });
  try {
    await client.connect();
    return client;
  } catch (error) {
    const reason = lastError ?? errorMessage(error);
    if (isRedisAuthRefusal(reason)) {
      // A misconfiguration, not an outage: serving degraded would hide it for good.
      client.disconnect();
      throw redisAuthRefused(redactUrl(url), reason, error);
    }
    if (logger !== undefined) {
      logger.warn(
        `Redis at ${redactUrl(url)} is unreachable (${reason}); gateway rate limits and quotas admit calls uncounted until it answers. Check --redis-url if this lasts.`,
      );
      return client;
    }
    client.disconnect();
    throw new PorticoError(
      'STORAGE_UNAVAILABLE',
      `Cannot reach Redis at ${redactUrl(url)} for the gateway counters: ${reason}. Check --redis-url (and that the server is running).`,
      { cause: error },
    );
  }
}

/** A Redis URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return '(an unparsable Redis URL)';
  }
}

/**
 * Wraps each operation: its result while Redis answers; the fail-open `fallback` when it does not, with
 * one warning per outage (the next success re-arms it). After a failure the store stops asking Redis for
 * {@link PAUSE_AFTER_FAILURE_MS} (calls fail open at once, instead of each waiting for a Redis that holds
 * its connection without answering), then lets one call try while the others still fail open.
 */
function createGuard(url: string, logger: { warn(message: string): void } | undefined) {
  let warned = false;
  let pausedUntil = 0;
  let trying = false;
  const failOpen = <T>(fallback: T): T => {
    publishEvent('counterStoreError', () => ({ store: 'redis' }));
    return fallback;
  };
  return async <T>(run: () => Promise<T>, fallback: T): Promise<T> => {
    if (pausedUntil !== 0 && (trying || Date.now() < pausedUntil)) {
      return failOpen(fallback);
    }
    trying = pausedUntil !== 0;
    try {
      const result = await run();
      warned = false;
      pausedUntil = 0;
      return result;
    } catch (error) {
      pausedUntil = Date.now() + PAUSE_AFTER_FAILURE_MS;
      if (!warned) {
        warned = true;
        const reason = errorMessage(error);
        logger?.warn(
          `Redis counters at ${redactUrl(url)} are unavailable (${reason}); rate limits and quotas admit calls uncounted until it is back.`,
        );
      }
      return failOpen(fallback);
    } finally {
      trying = false;
    }
  };
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Runs `script` by its SHA, loading it on the first NOSCRIPT (a new or flushed server). */
function createRunner(client: Redis, { source, sha }: Script) {
  return async (keys: readonly string[], args: readonly (string | number)[]): Promise<number[]> => {
    try {
      return toNumbers(await client.evalsha(sha, keys.length, ...keys, ...args));
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) {
        throw error;
      }
      return toNumbers(await client.eval(source, keys.length, ...keys, ...args));
    }
  };
}

function toNumbers(reply: unknown): number[] {
  if (!Array.isArray(reply)) {
    throw new Error('Unexpected reply from a counter script.');
  }
  return reply.map((value) => Number(value));
}

/** Member names unique to this store instance and call, so calls in the same ms all count. */
function createMemberIds(): () => string {
  const node = randomBytes(8).toString('hex');
  let sequence = 0;
  return () => {
    sequence += 1;
    return `${node}:${sequence}:`;
  };
}

function quotaKey(prefix: string, key: string, periodSeconds: number, periodStart: number): string {
  return `${prefix}quota:${key}:${periodSeconds}:${periodStart}`;
}

/** `[admitted, calls before this one, wait ms]` → a decision for `calls` more calls. */
function rateDecision([admitted, before, wait]: number[], limit: number, calls: number): CounterDecision {
  return admitted === 1 ? admit(limit - (before ?? 0) - calls) : refuse(wait ?? 0);
}

/** `[admitted, total after, wait ms or −1]` → a decision. */
function quotaDecision([admitted, total, wait]: number[], limit: number): CounterDecision {
  if (admitted === 1) {
    return admit(limit - (total ?? 0));
  }
  return refuse(wait === undefined || wait < 0 ? Number.POSITIVE_INFINITY : wait);
}
