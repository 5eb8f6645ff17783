/**
 * Safe targets for `post_login_redirect_uri` and `post_logout_redirect_uri`: a same-site path or an
 * absolute URL on this host (or an allowed forwarded host). Everything else is refused, so the sign-in
 * endpoints cannot be used as an open redirect. Paths become absolute URLs on the origin (D4).
 *
 * @see spec/swa-behaviour.md §2.2 (relative and absolute values), D4, check 41
 */

/** Where a redirect is resolved: the request origin and any extra hosts that count as "this site". */
export interface RedirectContext {
  /** Scheme and authority of the current request, e.g. `http://127.0.0.1:4280`. */
  readonly origin: string;
  /** Extra hosts (`host` or `host:port`) whose absolute URLs are accepted, e.g. allowed forwarded hosts. */
  readonly allowedHosts?: readonly string[];
}

const UNSAFE_CHARACTER = /[\p{Cc}\\]/u;
const ABSOLUTE_HTTP = /^https?:\/\//i;

/**
 * The absolute URL to redirect to, or `undefined` when `value` is missing or unsafe (the caller then
 * falls back to `<origin>/`). Accepts paths starting with exactly one `/`, and `http(s)` URLs on the
 * origin's host or an allowed host; refuses `//host`, `/\host`, backslashes, control characters,
 * credentials and every other scheme.
 *
 * @example
 * resolveSafeRedirect('/home?x=1', { origin: 'http://127.0.0.1:4280' }) // 'http://127.0.0.1:4280/home?x=1'
 * resolveSafeRedirect('//evil.example', { origin: 'http://127.0.0.1:4280' }) // undefined
 */
export function resolveSafeRedirect(
  value: string | null | undefined,
  ctx: RedirectContext,
): string | undefined {
  if (value === null || value === undefined || value === '' || UNSAFE_CHARACTER.test(value)) {
    return undefined;
  }
  if (isSingleSlashPath(value)) {
    return resolvePath(value, ctx.origin);
  }
  if (ABSOLUTE_HTTP.test(value)) {
    return resolveAbsolute(value, ctx);
  }
  return undefined;
}

function isSingleSlashPath(value: string): boolean {
  return value.startsWith('/') && !value.startsWith('//');
}

function resolvePath(path: string, origin: string): string | undefined {
  const base = parseUrl(origin);
  const url = base === undefined ? undefined : parseUrl(path, base);
  return url !== undefined && base !== undefined && url.origin === base.origin ? url.href : undefined;
}

function resolveAbsolute(value: string, ctx: RedirectContext): string | undefined {
  const url = parseUrl(value);
  if (url === undefined || url.username !== '' || url.password !== '' || downgrades(url, ctx.origin)) {
    return undefined;
  }
  return isTrustedHost(url, ctx) ? url.href : undefined;
}

/** True when a request that came over HTTPS would be sent on to plain HTTP. */
function downgrades(url: URL, origin: string): boolean {
  return url.protocol === 'http:' && origin.startsWith('https:');
}

function isTrustedHost(url: URL, ctx: RedirectContext): boolean {
  const originHost = parseUrl(ctx.origin)?.host;
  if (originHost !== undefined && url.host === originHost) {
    return true;
  }
  const allowed = (ctx.allowedHosts ?? []).map((host) => host.toLowerCase());
  return allowed.includes(url.host) || allowed.includes(url.hostname);
}

function parseUrl(value: string, base?: URL): URL | undefined {
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
}
