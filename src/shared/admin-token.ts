/**
 * The admin token check of the admin port, one for every route on it (the management API, `/metrics`,
 * `/readyz`'s reasons): the bearer token compared in constant time, and each address's wrong or missing
 * tokens counted (`failed-attempts.ts`), so that no route of the port lets a guess go uncounted.
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

/** Creates the guard of `adminToken`. */
export function createAdminTokenGuard(adminToken: string, options?: FailedAttemptsOptions): AdminTokenGuard {
  const adminHash = digest(adminToken);
  const failures = createFailedAttempts(options);
  return {
    check(req) {
      const address = req.socket.remoteAddress ?? '';
      const retryAfter = failures.retryAfter(address);
      if (retryAfter > 0) {
        return { kind: 'blocked', retryAfter };
      }
      const token = bearerToken(req);
      if (token === undefined || !timingSafeEqual(digest(token), adminHash)) {
        failures.fail(address);
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
