import { describe, expect, it } from 'vitest';
import { resolveSafeRedirect } from './redirect.js';

const ctx = { origin: 'http://127.0.0.1:4280', allowedHosts: ['www.example.com'] };

describe('resolveSafeRedirect', () => {
  it('makes same-site paths absolute on the origin (D4)', () => {
    expect(resolveSafeRedirect('/', ctx)).toBe('http://127.0.0.1:4280/');
    expect(resolveSafeRedirect('/home?a=1#x', ctx)).toBe('http://127.0.0.1:4280/home?a=1#x');
    expect(resolveSafeRedirect('/profile/settings', ctx)).toBe('http://127.0.0.1:4280/profile/settings');
  });

  it('keeps absolute URLs on the same host, over HTTP or HTTPS from HTTP, over HTTPS only from HTTPS', () => {
    expect(resolveSafeRedirect('http://127.0.0.1:4280/success', ctx)).toBe('http://127.0.0.1:4280/success');
    expect(resolveSafeRedirect('https://127.0.0.1:4280/success', ctx)).toBe('https://127.0.0.1:4280/success');
    const secure = { origin: 'https://shop.example', allowedHosts: ['www.example.com'] };
    expect(resolveSafeRedirect('https://shop.example/ok', secure)).toBe('https://shop.example/ok');
    // A signed-in user sent from HTTPS to plain HTTP would carry the session over an open connection.
    expect(resolveSafeRedirect('http://shop.example/ok', secure)).toBeUndefined();
    expect(resolveSafeRedirect('http://www.example.com/bye', secure)).toBeUndefined();
  });

  it('keeps absolute URLs on an allowed forwarded host', () => {
    expect(resolveSafeRedirect('https://www.example.com/bye', ctx)).toBe('https://www.example.com/bye');
    expect(resolveSafeRedirect('https://WWW.EXAMPLE.COM/bye', ctx)).toBe('https://www.example.com/bye');
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['empty', ''],
    ['protocol-relative', '//evil.com'],
    ['protocol-relative with path', '//evil.com/path'],
    ['slash-backslash', '/\\evil.com'],
    ['backslash in an absolute URL', 'https:\\\\evil.com'],
    ['another host', 'https://evil.com'],
    ['same host on another port', 'http://127.0.0.1:9999/'],
    ['a look-alike host', 'http://127.0.0.1:4280.evil.com/'],
    ['credentials', 'http://user:pw@127.0.0.1:4280/'],
    ['the origin as user name', 'http://127.0.0.1:4280@evil.com/'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['a relative path without slash', 'home'],
    ['leading whitespace', ' //evil.com'],
    ['a tab inside', '/\t/evil.com'],
    ['a newline inside', '/ok\nLocation: x'],
    ['an ftp URL', 'ftp://127.0.0.1:4280/'],
  ])('refuses %s', (_label, value) => {
    expect(resolveSafeRedirect(value, ctx)).toBeUndefined();
  });

  it('refuses everything when the origin is not a URL', () => {
    expect(resolveSafeRedirect('/home', { origin: 'not a url' })).toBeUndefined();
  });
});
