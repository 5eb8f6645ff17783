import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from './request-target.js';

describe('parseRequestTarget', () => {
  it('decodes the path and keeps the raw query', () => {
    expect(parseRequestTarget('/a%20b/c.html?x=1&y=%20')).toEqual({
      ok: true,
      path: '/a b/c.html',
      rawPath: '/a%20b/c.html',
      search: '?x=1&y=%20',
    });
  });

  it('accepts the absolute form sent by proxies', () => {
    expect(parseRequestTarget('http://example.org/x?y')).toMatchObject({
      ok: true,
      path: '/x',
      search: '?y',
    });
  });

  it.each([
    '/a/../secret',
    '/a/%2e%2e/secret',
    '/%2e%2e%2fetc/passwd',
    '/a/./b',
    '/x%00.html',
    '/%C3%28',
    '/%zz',
    'relative',
    '//evil.example/x',
  ])('refuses %s', (url) => {
    expect(parseRequestTarget(url).ok).toBe(false);
  });
});
