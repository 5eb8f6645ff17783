/**
 * Pure matching of `/.auth/*` paths to the endpoint that answers them (no I/O, no logging).
 *
 * @see spec/swa-behaviour.md §2.2 (the `/.auth` system routes)
 */

/** The `/.auth` endpoint a path names. Callbacks exist for real providers; the dev server 404s them. */
export type AuthRoute =
  | { readonly kind: 'me' }
  | { readonly kind: 'login'; readonly provider: string }
  | { readonly kind: 'logout' }
  | { readonly kind: 'purge'; readonly provider: string }
  | { readonly kind: 'callback'; readonly flow: 'login' | 'logout'; readonly provider: string }
  | { readonly kind: 'well-known'; readonly document: WellKnownDocument }
  | { readonly kind: 'not-found' };

/** The documents a site publishes for validators of its backend tokens (spec/apim.md §4). */
export type WellKnownDocument = 'openid-configuration' | 'jwks.json';

const PREFIX = '/.auth/';
const PROVIDER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const NOT_FOUND: AuthRoute = Object.freeze({ kind: 'not-found' });

/**
 * The endpoint for a decoded path starting with `/.auth/`; one trailing slash is ignored.
 *
 * @example
 * matchAuthRoute('/.auth/login/github') // { kind: 'login', provider: 'github' }
 */
export function matchAuthRoute(path: string): AuthRoute {
  if (!path.startsWith(PREFIX)) {
    return NOT_FOUND;
  }
  const segments = path.slice(PREFIX.length).split('/');
  if (segments.length > 1 && segments.at(-1) === '') {
    segments.pop();
  }
  return matchSegments(segments);
}

function matchSegments(segments: readonly string[]): AuthRoute {
  const [first = '', provider = '', third] = segments;
  if (segments.length === 1) {
    return first === 'me' || first === 'logout' ? { kind: first } : NOT_FOUND;
  }
  if (first === '.well-known' && segments.length === 2) {
    return provider === 'openid-configuration' || provider === 'jwks.json'
      ? { kind: 'well-known', document: provider }
      : NOT_FOUND;
  }
  if (!PROVIDER_NAME.test(provider)) {
    return NOT_FOUND;
  }
  if (segments.length === 2) {
    return first === 'login' || first === 'purge' ? { kind: first, provider } : NOT_FOUND;
  }
  const isCallback = segments.length === 3 && third === 'callback';
  return isCallback && (first === 'login' || first === 'logout')
    ? { kind: 'callback', flow: first, provider }
    : NOT_FOUND;
}
