/**
 * The session codec interface and the dev server's codec, whose cookie is plain base64 JSON, the same
 * format Microsoft's SWA CLI emulator writes, so suites with hand-made cookies keep working.
 *
 * @see CONTRACT.md §2 "Dev sign-in"; spec/swa-behaviour.md D13 (malformed cookie = anonymous)
 */
import type { ClientPrincipal } from '../types.js';
import { SessionCache } from './_session-cache.js';
import {
  AUTH_COOKIE_MAX_VALUE_LENGTH,
  clearAuthCookies,
  parseCookieHeader,
  readAuthCookieValue,
  serializeAuthCookies,
} from './cookie-header.js';
import { normalizePrincipal } from './principal.js';

/**
 * Turns a principal into session cookies and back. The dev server uses {@link createDevSessionCodec};
 * `portico serve` will pass a sealed (encrypted, signed) codec. Implementations never throw from
 * `read` or `clear`.
 */
export interface SessionCodec {
  /** The principal in the request's `Cookie` header, or `null` when absent or not valid. */
  read(cookieHeader: string | undefined): ClientPrincipal | null;
  /** `Set-Cookie` values starting a session for `principal`; `secure` adds the `Secure` attribute. */
  issue(principal: ClientPrincipal, secure: boolean): string[];
  /** `Set-Cookie` values expiring the session cookie and every chunk of it present in `cookieHeader`. */
  clear(cookieHeader: string | undefined): string[];
  /**
   * Ends the session in `cookieHeader` for good, so that a copy of the cookie no longer reads either;
   * absent where sessions cannot be ended beyond clearing the cookie (the dev server).
   */
  signOut?(cookieHeader: string | undefined): Promise<void>;
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The dev server's codec: the cookie value is base64 of the principal's JSON (claims included).
 * `read` also accepts base64url and URL-encoded base64; anything malformed reads as `null`.
 *
 * @example
 * const codec = createDevSessionCodec();
 * res.setHeader('Set-Cookie', codec.issue(principal, false));
 */
export function createDevSessionCodec(): SessionCodec {
  const known = new SessionCache<ClientPrincipal | null>();
  return Object.freeze({
    read: (cookieHeader: string | undefined) => readDevSession(cookieHeader, known),
    issue: (principal: ClientPrincipal, secure: boolean) =>
      serializeAuthCookies(encodeDevValue(principal), secure),
    clear: clearAuthCookies,
  });
}

/**
 * Decodes a dev cookie value (base64, base64url or URL-encoded base64 of JSON) into an untrusted
 * value, or `undefined` when it is not that. Never throws.
 */
export function decodeDevCookieValue(value: string): unknown {
  if (value.length === 0 || value.length > AUTH_COOKIE_MAX_VALUE_LENGTH) {
    return undefined;
  }
  const text = value.includes('%') ? safeDecodeUriComponent(value) : value;
  if (text === undefined || !BASE64.test(text) || text.length % 4 === 1) {
    return undefined;
  }
  const bytes = Buffer.from(text.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  const json = decodeUtf8(bytes);
  return json === undefined ? undefined : parseJson(json);
}

/**
 * The principal of a dev cookie. The value alone decides it (no clock, no key), so a value read once is
 * remembered: the frozen principal, or null for a malformed one.
 */
function readDevSession(
  cookieHeader: string | undefined,
  known: SessionCache<ClientPrincipal | null>,
): ClientPrincipal | null {
  try {
    const value = readAuthCookieValue(parseCookieHeader(cookieHeader));
    if (value === undefined) {
      return null;
    }
    let principal = known.get(value);
    if (principal === undefined) {
      principal = normalizePrincipal(decodeDevCookieValue(value));
      known.set(value, principal);
    }
    return principal;
  } catch {
    return null;
  }
}

function encodeDevValue(principal: ClientPrincipal): string {
  const { identityProvider, userId, userDetails, userRoles, claims } = principal;
  const json = JSON.stringify({ identityProvider, userId, userDetails, userRoles, claims });
  return Buffer.from(json, 'utf8').toString('base64');
}

function safeDecodeUriComponent(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
