/**
 * The session codec of `portico serve`: the cookie holds the principal and an expiry, sealed with
 * AES-256-GCM (encrypted and authenticated) under a service key, so any node can check it without
 * server state and nobody can make or alter one. Hand-made (emulator-style) cookies read as anonymous.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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
const IV_BYTES = 12;
const TAG_BYTES = 16;

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
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([
    cipher.update(JSON.stringify({ p: principal, exp: expiresAt }), 'utf8'),
    cipher.final(),
  ]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function openValue(key: Buffer, value: string, nowMs: number): ClientPrincipal | null {
  try {
    const bytes = Buffer.from(value, 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) {
      return null;
    }
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const text = Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
    const sealed = JSON.parse(text) as { p?: unknown; exp?: unknown };
    if (typeof sealed.exp !== 'number' || sealed.exp * 1000 <= nowMs) {
      return null;
    }
    return normalizePrincipal(sealed.p);
  } catch {
    return null;
  }
}
