/**
 * The session codec of `portico serve`: the cookie holds the principal and an expiry, sealed with
 * AES-256-GCM (encrypted and authenticated) under a service key, so any node can check it without
 * server state and nobody can make or alter one. Hand-made (emulator-style) cookies read as anonymous.
 */
import { randomBytes } from 'node:crypto';
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
  /** Sessions signed out before they expired: such a session reads as nobody, wherever it is sent. */
  readonly signedOut?: {
    has(sessionId: string): boolean;
    /** Records a sign-out; `expiresAt` in seconds since the epoch. */
    add(sessionId: string, expiresAt: number): Promise<void>;
  };
}

/** What a sealed cookie holds. */
interface Sealed {
  readonly principal: ClientPrincipal;
  readonly sessionId: string | undefined;
  readonly expiresAt: number;
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
  const open = (cookieHeader: string | undefined): Sealed | undefined => {
    const value = readAuthCookieValue(parseCookieHeader(cookieHeader));
    const sealed = value === undefined ? undefined : openValue(options.key, value, now());
    const signedOut = sealed?.sessionId !== undefined && options.signedOut?.has(sealed.sessionId) === true;
    return signedOut ? undefined : sealed;
  };
  return Object.freeze({
    read: (cookieHeader: string | undefined) => open(cookieHeader)?.principal ?? null,
    issue: (principal: ClientPrincipal, secure: boolean) =>
      serializeAuthCookies(sealValue(options.key, principal, Math.floor(now() / 1000) + maxAge), secure),
    clear: clearAuthCookies,
    async signOut(cookieHeader: string | undefined) {
      const sealed = open(cookieHeader);
      if (sealed?.sessionId !== undefined) {
        await options.signedOut?.add(sealed.sessionId, sealed.expiresAt);
      }
    },
  });
}

/**
 * Seals a principal with its expiry (seconds since the epoch) into a cookie value, under a new session
 * id (so that this session alone can be signed out).
 */
export function sealValue(key: Buffer, principal: ClientPrincipal, expiresAt: number): string {
  return sealJson(key, { p: principal, exp: expiresAt, sid: randomBytes(16).toString('base64url') });
}

function openValue(key: Buffer, value: string, nowMs: number): Sealed | undefined {
  const sealed = openJson(key, value) as { p?: unknown; exp?: unknown; sid?: unknown } | undefined;
  if (typeof sealed?.exp !== 'number' || sealed.exp * 1000 <= nowMs) {
    return undefined;
  }
  const principal = normalizePrincipal(sealed.p);
  return principal === null
    ? undefined
    : {
        principal,
        sessionId: typeof sealed.sid === 'string' ? sealed.sid : undefined,
        expiresAt: sealed.exp,
      };
}
