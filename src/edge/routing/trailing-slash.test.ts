import { describe, expect, it } from 'vitest';
import type { TrailingSlash } from '../../config/types.js';
import { resolveStaticPath, servedFileOf } from './trailing-slash.js';

const files = new Set(['/index.html', '/about/index.html', '/contact.html', '/style.css']);
const exists = (path: string) => files.has(path);
const file = (path: string) => ({ kind: 'file', path });
const redirect = (path: string) => ({ kind: 'redirect', path });

// The table of spec §1.9, column by column.
const table: Record<string, Record<string, object>> = {
  '/about': {
    default: file('/about/index.html'),
    always: redirect('/about/'),
    never: file('/about/index.html'),
    auto: redirect('/about/'),
  },
  '/about/': {
    default: file('/about/index.html'),
    always: file('/about/index.html'),
    never: redirect('/about'),
    auto: file('/about/index.html'),
  },
  '/about/index.html': {
    default: file('/about/index.html'),
    always: redirect('/about/'),
    never: redirect('/about'),
    auto: redirect('/about/'),
  },
  '/contact': {
    default: file('/contact.html'),
    always: redirect('/contact/'),
    never: file('/contact.html'),
    auto: file('/contact.html'),
  },
  '/contact/': {
    default: redirect('/contact'),
    always: file('/contact.html'),
    never: redirect('/contact'),
    auto: redirect('/contact'),
  },
  '/contact.html': {
    default: file('/contact.html'),
    always: redirect('/contact/'),
    never: redirect('/contact'),
    auto: redirect('/contact'),
  },
};

describe('resolveStaticPath', () => {
  for (const [request, byMode] of Object.entries(table)) {
    for (const [mode, expected] of Object.entries(byMode)) {
      it(`${mode}: ${request}`, () => {
        const m = mode === 'default' ? undefined : (mode as TrailingSlash);
        expect(resolveStaticPath(request, m, exists)).toEqual(expected);
      });
    }
  }

  it('serves non-HTML files as they are in every mode', () => {
    for (const mode of [undefined, 'always', 'never', 'auto'] as const) {
      expect(resolveStaticPath('/style.css', mode, exists)).toEqual(file('/style.css'));
    }
  });

  it('serves the root index and reports missing paths', () => {
    expect(resolveStaticPath('/', 'never', exists)).toEqual(file('/index.html'));
    expect(resolveStaticPath('/nope', undefined, exists)).toEqual({ kind: 'missing' });
    expect(resolveStaticPath('/style.css/', undefined, exists)).toEqual({ kind: 'missing' });
  });
});

describe('servedFileOf', () => {
  it("finds the folder's index, else the .html file, that serves a path", () => {
    expect(servedFileOf('/about', exists)).toBe('/about/index.html');
    expect(servedFileOf('/about/', exists)).toBe('/about/index.html');
    expect(servedFileOf('/', exists)).toBe('/index.html');
    expect(servedFileOf('/contact', exists)).toBe('/contact.html');
    expect(servedFileOf('/contact/', exists)).toBe('/contact.html');
  });

  it('finds nothing for a path that is itself a file, or serves nothing', () => {
    expect(servedFileOf('/contact.html', exists)).toBeUndefined();
    expect(servedFileOf('/style.css', exists)).toBeUndefined();
    expect(servedFileOf('/nope', exists)).toBeUndefined();
  });
});
