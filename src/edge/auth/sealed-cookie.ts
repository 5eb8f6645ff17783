/**
 * The session codec of `portico serve`: the cookie holds the principal and an expiry, sealed with
 * AES-256-GCM (encrypted and authenticated) under a service key, so any node can check it without
 * server state and nobody can make or alter one. Hand-made (emulator-style) cookies read as anonymous.
 */
import { randomBytes } from 'node:crypto';
import { openJson, sealJson } from '../../shared/seal.js';
import type { ClientPrincipal } from '../types.js';
import { SessionCache } from './_session-cache.js';
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
/**
 * The key sessions are sealed with: one 32-byte key, or a key per rotation period ("generation") of
 * {@link SESSION_KEY_ROTATION_SECONDS}, so that keys rotate by themselves. Every node must use the same.
 */
export type SessionKey = Buffer | ((generation: number) => Buffer);

/** How long one generation's key seals new sessions; it still opens them for one more period. */
export const SESSION_KEY_ROTATION_SECONDS = 24 * 3600;

export interface SealedSessionOptions {
  readonly key: SessionKey;
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
  if (typeof options.key !== 'function' && options.key.length !== 32) {
    throw new Error('the session key must be 32 bytes');
  }
  const maxAge = options.maxAgeSeconds ?? SESSION_MAX_AGE_SECONDS;
  if (maxAge > SESSION_KEY_ROTATION_SECONDS) {
    throw new Error(`sessions may last at most ${SESSION_KEY_ROTATION_SECONDS} s, one key rotation period`);
  }
  const now = options.now ?? Date.now;
  const opened = new SessionCache<Opened>();
  const open = (cookieHeader: string | undefined): Sealed | undefined => {
    // No cookie at all (every anonymous call): nothing to parse, no map made.
    if (cookieHeader === undefined) {
      return undefined;
    }
    const value = readAuthCookieValue(parseCookieHeader(cookieHeader));
    const sealed = value === undefined ? undefined : openValue(options.key, value, now(), opened);
    const signedOut = sealed?.sessionId !== undefined && options.signedOut?.has(sealed.sessionId) === true;
    return signedOut ? undefined : sealed;
  };
  return Object.freeze({
    read: (cookieHeader: string | undefined) => open(cookieHeader)?.principal ?? null,
    issue: (principal: ClientPrincipal, secure: boolean) =>
      serializeAuthCookies(
        sealValue(options.key, principal, Math.floor(now() / 1000) + maxAge, now()),
        secure,
      ),
    clear: clearAuthCookies,
    async signOut(cookieHeader: string | undefined) {
      const sealed = open(cookieHeader);
      if (sealed?.sessionId !== undefined) {
        await options.signedOut?.add(sealed.sessionId, sealed.expiresAt);
      }
    },
  });
}

function generationAt(nowMs: number): number {
  return Math.floor(nowMs / 1000 / SESSION_KEY_ROTATION_SECONDS);
}

/**
 * Seals a principal with its expiry (seconds since the epoch) into a cookie value, under a new session
 * id (so that this session alone can be signed out). With rotating keys, the value starts with the
 * generation that sealed it: `<generation>.<sealed>`.
 */
export function sealValue(
  key: SessionKey,
  principal: ClientPrincipal,
  expiresAt: number,
  nowMs: number = Date.now(),
): string {
  const value = { p: principal, exp: expiresAt, sid: randomBytes(16).toString('base64url') };
  if (typeof key !== 'function') {
    return sealJson(key, value);
  }
  const generation = generationAt(nowMs);
  return `${generation.toString(36)}.${sealJson(key(generation), value)}`;
}

/** The key a value was sealed with: the current generation's or the one before (never an older one). */
function keyOf(key: SessionKey, value: string, nowMs: number): { key: Buffer; sealed: string } | undefined {
  if (typeof key !== 'function') {
    return { key, sealed: value };
  }
  const dot = value.indexOf('.');
  const generation = dot > 0 && dot <= 8 ? Number.parseInt(value.slice(0, dot), 36) : Number.NaN;
  const current = generationAt(nowMs);
  // One generation ahead is accepted too: another node's clock may have turned over first.
  if (!Number.isInteger(generation) || generation < current - 1 || generation > current + 1) {
    return undefined;
  }
  return { key: key(generation), sealed: value.slice(dot + 1) };
}

/** A value opened before, with the key that opened it (a hit counts only under the same key). */
interface Opened {
  readonly key: Buffer;
  readonly sealed: Sealed;
}

/**
 * Opens a cookie value. The key window and the expiry are checked on every call; decrypting and
 * validating the principal happen once per value and key ({@link SessionCache}), and the sign-out check
 * is the caller's, also on every call.
 */
function openValue(
  key: SessionKey,
  value: string,
  nowMs: number,
  opened: SessionCache<Opened>,
): Sealed | undefined {
  const keyed = keyOf(key, value, nowMs);
  if (keyed === undefined) {
    return undefined;
  }
  const hit = opened.get(value);
  const sealed = hit?.key.equals(keyed.key) ? hit.sealed : decryptValue(keyed);
  if (sealed === undefined || sealed.expiresAt * 1000 <= nowMs) {
    return undefined;
  }
  if (hit?.sealed !== sealed) {
    opened.set(value, { key: keyed.key, sealed });
  }
  return sealed;
}

/** Decrypts a value and validates its principal; the expiry is left to the caller. */
function decryptValue(keyed: { key: Buffer; sealed: string }): Sealed | undefined {
  const sealed = openJson(keyed.key, keyed.sealed) as
    | { p?: unknown; exp?: unknown; sid?: unknown }
    | undefined;
  if (typeof sealed?.exp !== 'number') {
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
