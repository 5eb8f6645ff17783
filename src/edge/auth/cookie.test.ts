import { describe, expect, it } from 'vitest';
import type { ClientPrincipal } from '../types.js';
import { createDevSessionCodec, decodeDevCookieValue } from './cookie.js';
import { AUTH_COOKIE_CHUNK_SIZE } from './cookie-header.js';
import { encodePrincipalHeader, normalizePrincipal } from './principal.js';

const codec = createDevSessionCodec();
const raw = {
  identityProvider: 'github',
  userId: '0123456789abcdef0123456789abcdef',
  userDetails: 'ada',
  userRoles: ['anonymous', 'authenticated', 'reader'],
  claims: [{ typ: 'name', val: 'Ada' }],
};
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const cookie = (value: string) => `StaticWebAppsAuthCookie=${value}`;

function principal(extra: Record<string, unknown> = {}): ClientPrincipal {
  const result = normalizePrincipal({ ...raw, ...extra });
  if (result === null) {
    throw new Error('test principal is invalid');
  }
  return result;
}

/** The `Cookie` header a browser would send back for these `Set-Cookie` values. */
function replay(setCookies: readonly string[]): string {
  return setCookies
    .map((line) => line.split(';')[0] ?? '')
    .filter((pair) => !pair.endsWith('=deleted'))
    .join('; ');
}

describe('dev session codec: read', () => {
  it('reads a hand-made base64 JSON cookie (SWA CLI format)', () => {
    expect(codec.read(cookie(base64(JSON.stringify(raw))))).toEqual(raw);
  });

  it('adds the built-in roles whatever the cookie lists', () => {
    const value = base64(JSON.stringify({ ...raw, userRoles: ['admin'] }));
    expect(codec.read(cookie(value))?.userRoles).toEqual(['anonymous', 'authenticated', 'admin']);
  });

  it('reads base64url and URL-encoded base64', () => {
    const json = JSON.stringify({ ...raw, userDetails: 'ä?>~' });
    const standard = base64(json);
    const url = Buffer.from(json, 'utf8').toString('base64url');
    expect(codec.read(cookie(url))?.userDetails).toBe('ä?>~');
    expect(codec.read(cookie(encodeURIComponent(standard)))?.userDetails).toBe('ä?>~');
  });

  it('reads a quoted value among other cookies', () => {
    expect(codec.read(`a=1; junk; ${cookie(`"${base64(JSON.stringify(raw))}"`)}; b=2`)?.userDetails).toBe(
      'ada',
    );
  });

  it('joins chunks _0, _1 in order', () => {
    const value = base64(JSON.stringify(raw));
    const header = `StaticWebAppsAuthCookie_1=${value.slice(10)}; StaticWebAppsAuthCookie_0=${value.slice(0, 10)}`;
    expect(codec.read(header)?.userDetails).toBe('ada');
  });

  it.each([
    ['no header', undefined],
    ['no auth cookie', 'other=1'],
    ['an empty value', cookie('')],
    ['not base64', cookie('not-base64-json!')],
    ['the literal of check 62', cookie('not-base64-json')],
    ['the deleted marker', cookie('deleted')],
    ['base64 of non-JSON', cookie(base64('hello world'))],
    ['base64 of a JSON array', cookie(base64(JSON.stringify([raw])))],
    ['base64 of JSON null', cookie(base64('null'))],
    ['base64 of the wrong shape', cookie(base64(JSON.stringify({ user: 'ada' })))],
    ['base64 of invalid UTF-8', cookie(Buffer.from([0xff, 0xfe, 0x7b]).toString('base64'))],
    ['broken percent-encoding', cookie('%E0%A4%A')],
    ['a huge value', cookie('A'.repeat(100_000))],
    ['a gap in the chunks', `StaticWebAppsAuthCookie_1=${base64(JSON.stringify(raw))}`],
    ['a header of only separators', ';;; ;='],
  ])('reads %s as not signed in', (_label, header) => {
    expect(codec.read(header)).toBeNull();
    // A second read of the same value (remembered) is no different.
    expect(codec.read(header)).toBeNull();
  });

  it('reads a value once: the same frozen principal comes back, and its header is the same text', () => {
    const fresh = createDevSessionCodec();
    const header = cookie(base64(JSON.stringify(raw)));
    const first = fresh.read(header);
    expect(first).not.toBeNull();
    expect(Object.isFrozen(first)).toBe(true);
    expect(fresh.read(`other=1; ${header}`)).toBe(first);
    const expected = base64(
      JSON.stringify({
        identityProvider: raw.identityProvider,
        userId: raw.userId,
        userDetails: raw.userDetails,
        userRoles: raw.userRoles,
      }),
    );
    expect(first && encodePrincipalHeader(first)).toBe(expected);
    expect(first && encodePrincipalHeader(first)).toBe(expected);
  });
});

describe('dev session codec: issue', () => {
  it('writes one HttpOnly, SameSite=Lax cookie on /', () => {
    const [line, ...rest] = codec.issue(principal(), false);
    expect(rest).toEqual([]);
    expect(line).toMatch(/^StaticWebAppsAuthCookie=[A-Za-z0-9+/=]+; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('adds Secure when asked', () => {
    expect(codec.issue(principal(), true)[0]).toMatch(/; Secure$/);
  });

  it('round-trips through read, claims included', () => {
    const p = principal();
    expect(codec.read(replay(codec.issue(p, false)))).toEqual(p);
  });

  it('splits a long value into chunks and expires the single cookie', () => {
    const claims = Array.from({ length: 40 }, (_, i) => ({ typ: `claim${i}`, val: 'v'.repeat(150) }));
    const p = principal({ claims });
    const lines = codec.issue(p, false);
    expect(lines[0]).toBe('StaticWebAppsAuthCookie=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    expect(lines[1]).toMatch(/^StaticWebAppsAuthCookie_0=/);
    expect(lines[2]).toMatch(/^StaticWebAppsAuthCookie_1=/);
    for (const line of lines) {
      expect((line.split(';')[0] ?? '').length).toBeLessThanOrEqual(AUTH_COOKIE_CHUNK_SIZE + 30);
    }
    expect(codec.read(replay(lines))).toEqual(p);
  });

  it('refuses a principal too large for the cookies', () => {
    const claims = Array.from({ length: 100 }, (_, i) => ({ typ: `claim${i}`, val: 'v'.repeat(400) }));
    expect(() => codec.issue(principal({ claims }), false)).toThrow(/too large/);
  });
});

describe('dev session codec: clear', () => {
  const expired = (name: string) => `${name}=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;

  it('always expires the main cookie', () => {
    expect(codec.clear(undefined)).toEqual([expired('StaticWebAppsAuthCookie')]);
  });

  it('expires every chunk present', () => {
    const header =
      'StaticWebAppsAuthCookie_0=a; other=1; StaticWebAppsAuthCookie_1=b; StaticWebAppsAuthCookie_x=c';
    expect(codec.clear(header)).toEqual([
      expired('StaticWebAppsAuthCookie'),
      expired('StaticWebAppsAuthCookie_0'),
      expired('StaticWebAppsAuthCookie_1'),
    ]);
  });
});

describe('decodeDevCookieValue', () => {
  it('returns the decoded JSON or undefined', () => {
    expect(decodeDevCookieValue(base64('{"a":1}'))).toEqual({ a: 1 });
    expect(decodeDevCookieValue('A')).toBeUndefined();
  });
});
