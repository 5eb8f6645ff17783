import { describe, expect, it } from 'vitest';
import { encodePath, parseRequestTarget } from './request-target.js';

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
    '/a/..;/secret',
    '/a/.;x/b',
    '/a/%2e%2e%3b/secret',
    '/x%00.html',
    '/%C3%28',
    '/%zz',
    'relative',
    '//evil.example/x',
    // A raw backslash: URL parsers read it as "/" (decision 0118).
    '/api/priv\\x',
    '/api\\priv/x',
    '/admin\\data.txt',
    '/.auth\\me',
    'http://example.org/a\\b',
  ])('refuses %s', (url) => {
    expect(parseRequestTarget(url).ok).toBe(false);
  });

  it('keeps an encoded backslash as a character of the name, and a raw one in the query', () => {
    expect(parseRequestTarget('/api/priv%5Cx?q=a\\b')).toEqual({
      ok: true,
      path: '/api/priv\\x',
      rawPath: '/api/priv%5Cx',
      search: '?q=a\\b',
    });
  });
});

describe('encodePath', () => {
  it('encodes what encodeURI does, and ? and # too, and decodes back to the same path', () => {
    for (const path of ['/what?.html', '/x#y/', '/a b/é.txt', '/plain', '/a?b#c?d']) {
      const encoded = encodePath(path);
      expect(encoded).not.toMatch(/[?# ]/);
      expect(decodeURI(encoded).replaceAll('%3F', '?').replaceAll('%23', '#')).toBe(path);
    }
    expect(encodePath('/what?.html')).toBe('/what%3F.html');
  });
});
