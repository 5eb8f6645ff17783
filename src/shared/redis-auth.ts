/**
 * A Redis that refuses the credentials of `--redis-url` (WRONGPASS, NOAUTH) is misconfigured, not out of
 * reach: waiting does not help. `portico serve` refuses to start on it, and a node whose password stops
 * working later (rotated on the server) says so at every reconnection instead of once as an outage.
 */
import { PorticoError } from './errors.js';

/**
 * Redis's replies to credentials it does not take: `WRONGPASS` (Redis 6+), `NOAUTH` (a password needed
 * and none given), and older servers' `ERR invalid password`.
 */
const AUTH_REFUSED = /^(?:WRONGPASS|NOAUTH)\b|^ERR invalid (?:username-)?password/;

/** True when a Redis error message (ioredis's `error.message`) is a refusal of the credentials. */
export function isRedisAuthRefusal(message: string | undefined): boolean {
  return message !== undefined && AUTH_REFUSED.test(message);
}

/** What to do about it, for both the start-up error and the later log lines. */
const ADVICE =
  'Put the right user name and password in --redis-url (or PORTICO_REDIS_URL); a refused password does not fix itself';

/**
 * The start-up error: `redactedUrl` is the URL as messages show it (password masked).
 *
 * @example
 * throw redisAuthRefused('redis://:***@127.0.0.1:6379', 'WRONGPASS invalid username-password pair');
 */
export function redisAuthRefused(redactedUrl: string, reason: string, cause?: unknown): PorticoError {
  return new PorticoError(
    'STORAGE_REDIS_AUTH_REFUSED',
    `Redis at ${redactedUrl} refused the credentials of --redis-url (${reason}). ${ADVICE}, then start portico serve again.`,
    cause === undefined ? undefined : { cause },
  );
}

/** The error line of a running node whose credentials Redis refused on reconnecting (rotated). */
export function redisAuthRefusedLater(redactedUrl: string, reason: string): string {
  return `Redis at ${redactedUrl} refused the credentials of --redis-url on reconnecting (${reason}); this node serves without Redis meanwhile (degraded: changes by polling, gateway rate limits and quotas admit calls uncounted). ${ADVICE}, then restart this node.`;
}
