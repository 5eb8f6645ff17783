/**
 * The backend URL of a call: built without `new URL` for plain paths (decision 0037), it must be exactly
 * what `new URL` makes of base URL + path under the API + query, whatever the path.
 */
import { describe, expect, it } from 'vitest';
import { backendTarget } from './forward.js';
import type { GatewayContext } from './types.js';

function target(baseUrl: string, apiPath: string, query = '') {
  const ctx = {
    backend: { baseUrl, timeoutMs: 1000, followRedirects: false },
    request: { apiPath, query: new URLSearchParams(query) },
  } as unknown as GatewayContext;
  return backendTarget(ctx);
}

/** What `new URL` makes of the same parts: the reference. */
function reference(baseUrl: string, apiPath: string, query = '') {
  const base = new URL(baseUrl);
  const search = new URLSearchParams(query).toString();
  const url = new URL(
    `${base.origin}${base.pathname.replace(/\/+$/, '')}${apiPath}${search === '' ? '' : `?${search}`}`,
  );
  return { origin: url.origin, path: `${url.pathname}${url.search}` };
}

describe('backendTarget', () => {
  it('joins the base path, the path under the API and the query', () => {
    expect(target('http://127.0.0.1:7071/api/', '/orders/42', 'a=1&b=x y')).toEqual({
      origin: 'http://127.0.0.1:7071',
      path: '/api/orders/42?a=1&b=x+y',
    });
  });

  it('agrees with new URL for every kind of path', () => {
    const paths = [
      '/',
      '/hello',
      '/a/b/c.json',
      "/a-b_c~d!$&'()*+,;=:@",
      '/a%20b/%C3%A9',
      '/%zz',
      '/a b',
      '/é',
      '/a/./b',
      '/a/../b',
      '/a/%2e/b',
      '/a/%2E%2E/b',
      '/.hidden',
      '/a/..',
      '/a\\b',
      '/a"b<c>d`e{f}g',
      '/a|b^c[d]',
      '//double',
      '/a#b',
    ];
    for (const base of ['http://127.0.0.1:7071', 'http://127.0.0.1:7071/api', 'https://backend.test/v1/']) {
      for (const path of paths) {
        for (const query of ['', 'q=1', 'a=%20b&c=d/e?f']) {
          expect(target(base, path, query), `${base} ${path} ${query}`).toEqual(reference(base, path, query));
        }
      }
    }
  });
});
