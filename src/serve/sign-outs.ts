/**
 * Sign-outs this node could not record yet (the database out of reach): the node refuses those sessions
 * at once from memory, and keeps trying to record them, so that every node refuses them once the database
 * is back (they learn it from the change log, as of any recorded sign-out). Sessions expire anyway: an
 * entry is dropped at its session's expiry, recorded or not, and the queue holds at most
 * {@link MAX_PENDING_SIGN_OUTS} entries (past that, the one expiring first goes). See docs/sign-in.md
 * "Signing out while the database is unreachable" and decision 0117.
 */
import { PorticoError } from '../shared/errors.js';
import { errorMessage } from '../shared/guards.js';
import type { Logger } from '../shared/logger.js';
import { storageUnavailable } from '../storage/index.js';

/** At most this many unrecorded sign-outs are kept (about 100 bytes each). */
export const MAX_PENDING_SIGN_OUTS = 10_000;
/** The first retry comes after this; each failed one doubles it, up to {@link RETRY_MAX_MS}. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

/** A sign-out waiting to be recorded. */
interface Pending {
  readonly siteId: string;
  readonly sessionId: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
  /** Records it for every node (the database, then the change news). */
  readonly record: () => Promise<void>;
}

/** The node's unrecorded sign-outs. */
export interface SignOutQueue {
  /** True while a sign-out of this session waits to be recorded (this node refuses the session). */
  has(siteId: string, sessionId: string): boolean;
  /**
   * Records a sign-out with `record`; when that fails, remembers it, keeps trying, and rejects with a
   * `STORAGE_UNAVAILABLE` saying so (the caller logs it).
   */
  add(entry: Pending): Promise<void>;
  /** How many wait. */
  size(): number;
  /** Stops retrying; says how many sign-outs were never recorded. */
  close(): void;
}

/** Creates an empty queue; `nowMs` is the clock (tests pin it). */
export function createSignOutQueue(logger: Logger, nowMs: () => number = Date.now): SignOutQueue {
  const pending = new Map<string, Pending>();
  let timer: NodeJS.Timeout | undefined;
  let delayMs = RETRY_FIRST_MS;
  let closed = false;
  const keyOf = (siteId: string, sessionId: string) => `${siteId}\n${sessionId}`;
  const isExpired = (entry: Pending) => entry.expiresAt * 1000 <= nowMs();

  const schedule = () => {
    if (timer === undefined && !closed && pending.size > 0) {
      timer = setTimeout(() => void retry(), delayMs);
      timer.unref();
    }
  };
  const retry = async () => {
    timer = undefined;
    dropExpired(pending, isExpired);
    let recorded = 0;
    let failure: unknown;
    for (const [key, entry] of pending) {
      try {
        await entry.record();
      } catch (error) {
        failure = error;
        // The database still away: the others would fail alike. Another failure (the site deleted
        // meanwhile) must not hold up the rest; the entry stays until its session expires.
        if (storageUnavailable(error) !== undefined) {
          break;
        }
        continue;
      }
      pending.delete(key);
      recorded += 1;
    }
    if (failure !== undefined) {
      logger.debug(`/.auth: ${pending.size} sign-out(s) still not recorded: ${errorMessage(failure)}`);
      delayMs = Math.min(delayMs * 2, RETRY_MAX_MS);
    }
    if (recorded > 0) {
      logger.info(`/.auth: recorded ${recorded} sign-out(s) made while the database was unreachable`);
    }
    if (pending.size === 0) {
      delayMs = RETRY_FIRST_MS;
    }
    schedule();
  };
  const remember = (entry: Pending) => {
    dropExpired(pending, isExpired);
    if (pending.size >= MAX_PENDING_SIGN_OUTS) {
      dropSoonestExpiring(pending);
    }
    pending.set(keyOf(entry.siteId, entry.sessionId), entry);
    schedule();
  };

  return {
    has(siteId, sessionId) {
      const entry = pending.size === 0 ? undefined : pending.get(keyOf(siteId, sessionId));
      return entry !== undefined && !isExpired(entry);
    },
    async add(entry) {
      try {
        await entry.record();
      } catch (error) {
        remember(entry);
        throw new PorticoError(
          'STORAGE_UNAVAILABLE',
          `${errorMessage(error)}; this node refuses the session from now on, and records the sign-out for every node once the database answers`,
          { cause: error },
        );
      }
    },
    size: () => pending.size,
    close() {
      closed = true;
      clearTimeout(timer);
      dropExpired(pending, isExpired);
      if (pending.size > 0) {
        logger.warn(
          `/.auth: stopping with ${pending.size} sign-out(s) not recorded (the database was unreachable): copies of those session cookies stay valid on other nodes until they expire`,
        );
      }
    },
  };
}

function dropExpired(pending: Map<string, Pending>, isExpired: (entry: Pending) => boolean): void {
  for (const [key, entry] of pending) {
    if (isExpired(entry)) {
      pending.delete(key);
    }
  }
}

function dropSoonestExpiring(pending: Map<string, Pending>): void {
  let soonest: [string, Pending] | undefined;
  for (const item of pending) {
    if (soonest === undefined || item[1].expiresAt < soonest[1].expiresAt) {
      soonest = item;
    }
  }
  if (soonest !== undefined) {
    pending.delete(soonest[0]);
  }
}
