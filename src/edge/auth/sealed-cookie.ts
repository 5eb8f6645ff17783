/**
 * The session codec of `portico serve`: the cookie holds the principal and an expiry, sealed with
 * AES-256-GCM (encrypted and authenticated) under a service key, so any node can check it without
 * server state and nobody can make or alter one. Hand-made (emulator-style) cookies read as anonymous.
 */
import { openJson, sealJson } from '../../shared/seal.js';
import type { ClientPrincipal } from '../types.js';
import type { SessionCodec } from './cookie.js';
import {
  clearAuthCookies,
  parseCookieHeader,
  readAuthCookieValue,
  serializeAuthCookies,
} from './cookie-header.js';
import { normalizePrincipal } from './principal.js';

/** Default life of a session: 8 hours, as Azure's. */
export const SESSION_MAX_AGE_SECONDS = 8 * 3600;

/** Options of {@link createSealedSessionCodec}. */
export interface SealedSessionOptions {
  /** 32-byte key; every node of a service must use the same. */
  readonly key: Buffer;
  readonly maxAgeSeconds?: number;
  /** The clock (tests pin it). */
  readonly now?: () => number;
}

/**
 * Creates the sealed-cookie codec.
 *
 * @example
 * const codec = createSealedSessionCodec({ key: randomBytes(32) });
 * res.setHeader('Set-Cookie', codec.issue(principal, true));
 */
export function createSealedSessionCodec(options: SealedSessionOptions): SessionCodec {
  if (options.key.length !== 32) {
    throw new Error('the session key must be 32 bytes');
  }
  const maxAge = options.maxAgeSeconds ?? SESSION_MAX_AGE_SECONDS;
  const now = options.now ?? Date.now;
  return Object.freeze({
    read: (cookieHeader: string | undefined) => {
      const value = readAuthCookieValue(parseCookieHeader(cookieHeader));
      return value === undefined ? null : openValue(options.key, value, now());
    },
    issue: (principal: ClientPrincipal, secure: boolean) =>
      serializeAuthCookies(sealValue(options.key, principal, Math.floor(now() / 1000) + maxAge), secure),
    clear: clearAuthCookies,
  });
}

/** Seals a principal with its expiry (seconds since the epoch) into a cookie value. */
export function sealValue(key: Buffer, principal: ClientPrincipal, expiresAt: number): string {
  return sealJson(key, { p: principal, exp: expiresAt });
}

function openValue(key: Buffer, value: string, nowMs: number): ClientPrincipal | null {
  const sealed = openJson(key, value) as { p?: unknown; exp?: unknown } | undefined;
  if (typeof sealed?.exp !== 'number' || sealed.exp * 1000 <= nowMs) {
    return null;
  }
  return normalizePrincipal(sealed.p);
}
