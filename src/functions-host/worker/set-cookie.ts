/**
 * `RpcHttpCookie` → `Set-Cookie` line, formatted as ASP.NET Core's `ResponseCookies.Append` does for the
 * Functions host (host `GrpcMessageExtensionUtilities.RpcHttpCookieConverter`, spec §6.3): the value is
 * escaped like `Uri.EscapeDataString`, `path=/` is the default, an unspecified SameSite is omitted and an
 * explicit "None" is written.
 */
import type { RpcHttpCookie } from './types.js';

const SAME_SITE: Record<string, string | undefined> = {
  lax: 'lax',
  strict: 'strict',
  explicitNone: 'none',
  none: undefined,
};

/** Serializes one cookie of a function's response. */
export function serializeCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${escapeDataString(cookie.value ?? '')}`];
  const expires = cookie.expires?.value?.seconds;
  if (typeof expires === 'number') {
    parts.push(`expires=${new Date(expires * 1000).toUTCString()}`);
  }
  const maxAge = cookie.maxAge?.value;
  if (typeof maxAge === 'number') {
    parts.push(`max-age=${Math.trunc(maxAge)}`);
  }
  if (cookie.domain?.value) {
    parts.push(`domain=${cookie.domain.value}`);
  }
  parts.push(`path=${cookie.path?.value || '/'}`);
  if (cookie.secure?.value) {
    parts.push('secure');
  }
  const sameSite = SAME_SITE[cookie.sameSite ?? 'none'];
  if (sameSite !== undefined) {
    parts.push(`samesite=${sameSite}`);
  }
  if (cookie.httpOnly?.value) {
    parts.push('httponly');
  }
  return parts.join('; ');
}

/** RFC 3986 escaping of everything but the unreserved characters (.NET `Uri.EscapeDataString`). */
export function escapeDataString(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
