import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTENT_TYPE, isCompressible, resolveContentType } from './content-type.js';

describe('resolveContentType', () => {
  it.each([
    ['/index.html', 'text/html; charset=utf-8'],
    ['/css/site.css', 'text/css; charset=utf-8'],
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/app.mjs', 'text/javascript; charset=utf-8'],
    ['/data.json', 'application/json; charset=utf-8'],
    ['/feed.xml', 'application/xml; charset=utf-8'],
    ['/logo.svg', 'image/svg+xml; charset=utf-8'],
    ['/site.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['/app.wasm', 'application/wasm'],
    ['/photo.png', 'image/png'],
    ['/font.woff2', 'font/woff2'],
  ])('serves %s as %s', (path, expected) => {
    expect(resolveContentType(path, {})).toBe(expected);
  });

  it('matches extensions case-insensitively', () => {
    expect(resolveContentType('/INDEX.HTML', {})).toBe('text/html; charset=utf-8');
  });

  it.each(['/foo.bar', '/README', '/.htaccess', '/dir.d/file', '/trailing.', '/html', '/'])(
    'serves %s as application/octet-stream',
    (path) => {
      expect(resolveContentType(path, {})).toBe(DEFAULT_CONTENT_TYPE);
    },
  );

  it('uses a custom type exactly as configured (acceptance check 28)', () => {
    expect(resolveContentType('/data.json', { '.json': 'text/json' })).toBe('text/json');
    expect(resolveContentType('/DATA.JSON', { '.json': 'text/json' })).toBe('text/json');
    expect(resolveContentType('/foo.bar', { '.bar': 'text/plain' })).toBe('text/plain');
  });

  it('falls back to the built-in table for extensions the custom map lacks', () => {
    expect(resolveContentType('/index.html', { '.json': 'text/json' })).toBe('text/html; charset=utf-8');
  });

  it('ignores inherited object keys in the custom map', () => {
    expect(resolveContentType('/x.constructor', {})).toBe(DEFAULT_CONTENT_TYPE);
    expect(resolveContentType('/x.__proto__', {})).toBe(DEFAULT_CONTENT_TYPE);
  });
});

describe('isCompressible', () => {
  it.each([
    'text/html; charset=utf-8',
    'text/css',
    'text/javascript',
    'application/javascript',
    'application/json',
    'application/manifest+json',
    'application/xml',
    'image/svg+xml',
    'Text/Plain',
  ])('compresses %s', (type) => {
    expect(isCompressible(type)).toBe(true);
  });

  it.each(['application/wasm', 'image/png', 'font/woff2', 'application/octet-stream', 'application/zip'])(
    'does not compress %s',
    (type) => {
      expect(isCompressible(type)).toBe(false);
    },
  );
});
