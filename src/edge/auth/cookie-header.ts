/**
 * Transport of the session cookie, independent of what its value means: parsing the `Cookie` header,
 * joining chunked cookies, and building `Set-Cookie` values (chunked when long, expired on sign-out).
 * A sealed (encrypted) codec can reuse all of this and only change how the value is encoded.
 *
 * @see spec/swa-behaviour.md §2.2 (logout Set-Cookie), §10.10 (chunks joined, each deleted on logout)
 */
import { PorticoError } from '../../shared/errors.js';
import { AUTH_COOKIE_NAME } from './constants.js';

/** Longest value put in one `Set-Cookie` before splitting into `_0`, `_1`, … chunks. */
export const AUTH_COOKIE_CHUNK_SIZE = 3800;

/** Most chunks read or written; bounds the session value to `AUTH_COOKIE_CHUNK_SIZE * 4` characters. */
export const AUTH_COOKIE_MAX_CHUNKS = 4;

/** Longest session value accepted, whether in one cookie or joined from chunks. */
export const AUTH_COOKIE_MAX_VALUE_LENGTH = AUTH_COOKIE_CHUNK_SIZE * AUTH_COOKIE_MAX_CHUNKS;

const MAX_COOKIE_HEADER_LENGTH = 32 * 1024;
/** RFC 9110 token characters, which is what a cookie name may use. */
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CHUNK_NAME = new RegExp(`^${AUTH_COOKIE_NAME}_\\d+$`);
const EXPIRED = 'Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT';

/**
 * Parses a `Cookie` header into name → value (raw, not URL-decoded). Pairs without `=` or with an
 * invalid name are ignored; the first occurrence of a name wins; never throws.
 *
 * @example
 * parseCookieHeader('a=1; junk; b="2"').get('b') // '2'
 */
export function parseCookieHeader(header: string | undefined): ReadonlyMap<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined || header.length > MAX_COOKIE_HEADER_LENGTH) {
    return cookies;
  }
  for (const pair of header.split(';')) {
    const entry = parseCookiePair(pair);
    if (entry !== undefined && !cookies.has(entry[0])) {
      cookies.set(entry[0], entry[1]);
    }
  }
  return cookies;
}

/**
 * The raw session value: `StaticWebAppsAuthCookie` when present, otherwise the chunks `_0`, `_1`, …
 * joined in order (stopping at the first missing index). Undefined when there is no session cookie.
 */
export function readAuthCookieValue(cookies: ReadonlyMap<string, string>): string | undefined {
  const single = cookies.get(AUTH_COOKIE_NAME);
  if (single !== undefined) {
    return single;
  }
  const chunks: string[] = [];
  for (let index = 0; index < AUTH_COOKIE_MAX_CHUNKS; index++) {
    const chunk = cookies.get(`${AUTH_COOKIE_NAME}_${index}`);
    if (chunk === undefined) {
      break;
    }
    chunks.push(chunk);
  }
  return chunks.length === 0 ? undefined : chunks.join('');
}

/**
 * `Set-Cookie` values carrying `value` (which must only use cookie-safe characters, e.g. base64):
 * one `StaticWebAppsAuthCookie` when short, otherwise `_0`, `_1`, … chunks plus expiries for the single
 * cookie and unused chunk names, so stale cookies from an earlier session cannot win.
 *
 * @throws PorticoError `AUTH_LOGIN_INVALID` when the value exceeds {@link AUTH_COOKIE_MAX_VALUE_LENGTH}.
 */
export function serializeAuthCookies(value: string, secure: boolean): string[] {
  if (value.length > AUTH_COOKIE_MAX_VALUE_LENGTH) {
    throw new PorticoError(
      'AUTH_LOGIN_INVALID',
      'The user is too large for the session cookie: use fewer or shorter roles and claims.',
    );
  }
  const attributes = `; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  if (value.length <= AUTH_COOKIE_CHUNK_SIZE) {
    return [`${AUTH_COOKIE_NAME}=${value}${attributes}`];
  }
  const chunks = splitIntoChunks(value, AUTH_COOKIE_CHUNK_SIZE);
  const written = chunks.map((chunk, index) => `${AUTH_COOKIE_NAME}_${index}=${chunk}${attributes}`);
  const unused = unusedChunkNames(chunks.length).map(expireCookie);
  return [expireCookie(AUTH_COOKIE_NAME), ...written, ...unused];
}

/**
 * `Set-Cookie` values that expire `StaticWebAppsAuthCookie` and every chunk present in the `Cookie`
 * header, in the emulator's form `<name>=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`.
 */
export function clearAuthCookies(cookieHeader: string | undefined): string[] {
  const chunkNames = [...parseCookieHeader(cookieHeader).keys()].filter((name) => CHUNK_NAME.test(name));
  return [AUTH_COOKIE_NAME, ...chunkNames].map(expireCookie);
}

function parseCookiePair(pair: string): [string, string] | undefined {
  const separator = pair.indexOf('=');
  if (separator < 0) {
    return undefined;
  }
  const name = pair.slice(0, separator).trim();
  if (!COOKIE_NAME.test(name)) {
    return undefined;
  }
  return [name, unquote(pair.slice(separator + 1).trim())];
}

function unquote(value: string): string {
  const quoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"');
  return quoted ? value.slice(1, -1) : value;
}

function splitIntoChunks(value: string, size: number): string[] {
  const chunks: string[] = [];
  for (let start = 0; start < value.length; start += size) {
    chunks.push(value.slice(start, start + size));
  }
  return chunks;
}

function unusedChunkNames(used: number): string[] {
  const names: string[] = [];
  for (let index = used; index < AUTH_COOKIE_MAX_CHUNKS; index++) {
    names.push(`${AUTH_COOKIE_NAME}_${index}`);
  }
  return names;
}

function expireCookie(name: string): string {
  return `${name}=deleted; ${EXPIRED}`;
}
