import { describe, expect, it } from 'vitest';
import {
  AUTH_COOKIE_MAX_VALUE_LENGTH,
  parseCookieHeader,
  readAuthCookieValue,
  serializeAuthCookies,
} from './cookie-header.js';

describe('parseCookieHeader', () => {
  it('parses pairs, trims, unquotes and keeps the first occurrence', () => {
    const cookies = parseCookieHeader(' a = 1 ;b="two"; a=3; c=x=y');
    expect([...cookies]).toEqual([
      ['a', '1'],
      ['b', 'two'],
      ['c', 'x=y'],
    ]);
  });

  it('ignores malformed pairs', () => {
    const cookies = parseCookieHeader('novalue; =empty; bad name=1; ok=1; ;');
    expect([...cookies]).toEqual([['ok', '1']]);
  });

  it('ignores absurdly long headers', () => {
    expect(parseCookieHeader(`a=${'x'.repeat(40_000)}`).size).toBe(0);
  });
});

describe('readAuthCookieValue', () => {
  it('prefers the single cookie over chunks', () => {
    const cookies = parseCookieHeader('StaticWebAppsAuthCookie_0=c; StaticWebAppsAuthCookie=s');
    expect(readAuthCookieValue(cookies)).toBe('s');
  });

  it('joins consecutive chunks and stops at the first gap', () => {
    const cookies = parseCookieHeader(
      'StaticWebAppsAuthCookie_1=b; StaticWebAppsAuthCookie_0=a; StaticWebAppsAuthCookie_3=d',
    );
    expect(readAuthCookieValue(cookies)).toBe('ab');
  });

  it('is undefined without a session cookie', () => {
    expect(readAuthCookieValue(parseCookieHeader('x=1'))).toBeUndefined();
  });
});

describe('serializeAuthCookies', () => {
  it('expires unused chunk names when chunking', () => {
    const lines = serializeAuthCookies('a'.repeat(5000), false);
    const names = lines.map((line) => line.slice(0, line.indexOf('=')));
    expect(names).toEqual([
      'StaticWebAppsAuthCookie',
      'StaticWebAppsAuthCookie_0',
      'StaticWebAppsAuthCookie_1',
      'StaticWebAppsAuthCookie_2',
      'StaticWebAppsAuthCookie_3',
    ]);
    expect(lines[3]).toContain('=deleted;');
  });

  it('throws a user error beyond the maximum', () => {
    expect(() => serializeAuthCookies('a'.repeat(AUTH_COOKIE_MAX_VALUE_LENGTH + 1), false)).toThrow(
      expect.objectContaining({ code: 'AUTH_LOGIN_INVALID' }),
    );
  });
});
