/** Step 0's reading of a request head (decision 0119); over real sockets in test/*\/request-head.test.ts. */
import { describe, expect, it } from 'vitest';
import { ambiguousHost, checkRequestHead } from './request-head.js';

/** A request head with these raw header fields (name, value, …). */
const head = (rawHeaders: string[], url = '/', method = 'GET') => {
  const headers: Record<string, string> = {};
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = rawHeaders[index + 1] ?? '';
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { rawHeaders, url, method, headers };
};

describe('ambiguousHost', () => {
  it('accepts one Host and an origin-form or matching absolute target', () => {
    expect(ambiguousHost(head(['Host', 'a.example:4280', 'Accept', '*/*']))).toBeUndefined();
    expect(ambiguousHost(head(['host', 'a.example'], 'http://A.example:80/x?y'))).toBeUndefined();
    expect(ambiguousHost(head(['Host', 'a.example'], '*'))).toBeUndefined();
  });

  it('refuses two Host fields, and an absolute target naming another host', () => {
    expect(ambiguousHost(head(['Host', 'a.example', 'HOST', 'b.example']))).toContain('more than one Host');
    expect(ambiguousHost(head(['Host', 'a.example'], 'http://b.example/'))).toContain('another host');
  });

  it('leaves a target that is no URL to the path check, and an absolute target without Host alone', () => {
    // @see the second regression tester's report: `GET index.html` was said to name another host, and an
    // HTTP/1.0 request in absolute form without Host (its target is its host) was refused.
    expect(ambiguousHost(head(['Host', 'a.example'], 'index.html'))).toBeUndefined();
    expect(ambiguousHost(head([], 'http://a.example/x'))).toBeUndefined();
  });
});

describe('checkRequestHead', () => {
  it('lets ordinary requests through', () => {
    // An empty port is the default one (RFC 3986 §3.2.3), as a regression tester found it was before.
    for (const host of [
      'a.example',
      'a.example:1',
      'a.example:65535',
      '[::1]:8080',
      '[::1]',
      '::1',
      'x/y',
      'a:',
      '[::1]:',
    ]) {
      expect(checkRequestHead(head(['Host', host])), host).toBeUndefined();
    }
    expect(checkRequestHead(head([]))).toBeUndefined();
    expect(checkRequestHead(head(['Host', 'a', 'Transfer-Encoding', 'chunked']))).toBeUndefined();
    expect(checkRequestHead(head(['Host', 'a', 'Transfer-Encoding', ' Chunked ,']))).toBeUndefined();
  });

  it('refuses a Host port that is not 1 to 65535 without leading zeros', () => {
    for (const host of ['a:0', 'a:65536', 'a:99999', 'a:099', 'a:8x', 'a:١٢', '[::1]:0']) {
      expect(checkRequestHead(head(['Host', host]))?.status, host).toBe(400);
    }
  });

  it('answers 501 to any transfer coding but chunked alone, in one field or several', () => {
    for (const codings of [['gzip, chunked'], ['gzip', 'chunked'], ['chunked, chunked'], ['chunked;x=1']]) {
      const fields = codings.flatMap((value) => ['Transfer-Encoding', value]);
      expect(checkRequestHead(head(['Host', 'a', ...fields]))?.status, codings.join(' | ')).toBe(501);
    }
  });

  it('answers OPTIONS * with 204 and leaves other methods with * to the path check', () => {
    expect(checkRequestHead(head(['Host', 'a'], '*', 'OPTIONS'))).toEqual({ status: 204 });
    expect(checkRequestHead(head(['Host', 'a'], '*', 'GET'))).toBeUndefined();
  });
});
