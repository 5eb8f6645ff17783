/**
 * The admin token check of the admin port, one for every route on it (the management API, `/metrics`,
 * `/readyz`'s reasons): the bearer token compared in constant time. When the token is short enough to
 * guess, each address's wrong or missing tokens are counted (`failed-attempts.ts`), so that no route of
 * the port lets a guess go uncounted. A token of {@link MIN_ADMIN_TOKEN_CHARS} characters or more cannot
 * be guessed over a network, and is not counted: an address is shared (a site's functions reach the
 * admin port from the operator's own loopback address), and counting would let anyone on it lock the
 * operator out.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createFailedAttempts, type FailedAttemptsOptions } from './failed-attempts.js';

/** What the admin token of a request says. */
export type AdminTokenCheck =
  | { readonly kind: 'ok' }
  /** Missing or wrong: counted against the address. */
  | { readonly kind: 'refused' }
  /** The address failed too often: refused whatever it sends, for `retryAfter` seconds. */
  | { readonly kind: 'blocked'; readonly retryAfter: number };

/** Checks the admin token of requests; one per process, shared by every route of the admin port. */
export interface AdminTokenGuard {
  check(req: IncomingMessage): AdminTokenCheck;
}

/** Fewer characters than this make an admin token someone could guess over the network. */
export const MIN_ADMIN_TOKEN_CHARS = 24;

/** Creates the guard of `adminToken`. */
export function createAdminTokenGuard(adminToken: string, options?: FailedAttemptsOptions): AdminTokenGuard {
  const adminHash = digest(adminToken);
  const failures = adminToken.length < MIN_ADMIN_TOKEN_CHARS ? createFailedAttempts(options) : undefined;
  return {
    check(req) {
      const address = req.socket.remoteAddress ?? '';
      const retryAfter = failures?.retryAfter(address) ?? 0;
      if (retryAfter > 0) {
        return { kind: 'blocked', retryAfter };
      }
      const token = bearerToken(req);
      if (token === undefined || !timingSafeEqual(digest(token), adminHash)) {
        failures?.fail(address);
        return { kind: 'refused' };
      }
      return { kind: 'ok' };
    },
  };
}

/** The token of `Authorization: Bearer <token>`, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
