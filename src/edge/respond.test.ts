import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sendInternalError, serializeLocation } from './respond.js';

describe('serializeLocation', () => {
  it('sends absolute URLs in their WHATWG serialisation: punycode host, percent-encoded rest', () => {
    expect(serializeLocation('https://例え.jp/日本?q=🎉', 'http://a.test')).toBe(
      'https://xn--r8jz45g.jp/%E6%97%A5%E6%9C%AC?q=%F0%9F%8E%89',
    );
    expect(serializeLocation('https://bücher.de/straße?q=ü#fräg', 'http://a.test')).toBe(
      'https://xn--bcher-kva.de/stra%C3%9Fe?q=%C3%BC#fr%C3%A4g',
    );
  });

  it('sends an absolute URL in printable ASCII as configured', () => {
    // @see the second regression tester's report: every absolute target had gone through URL's
    // normalisation (a trailing slash added, dot segments resolved, `{` and `'` encoded).
    for (const target of [
      'https://example.com',
      'https://Example.COM:443/Path',
      'https://example.com/a/../b/./c',
      "https://example.com/p?q='x'&r={y}",
    ]) {
      expect(serializeLocation(target, 'http://a.test')).toBe(target);
    }
  });

  it('makes a path absolute on the origin', () => {
    expect(serializeLocation('/café', 'http://a.test')).toBe('http://a.test/caf%C3%A9');
  });

  it('percent-encodes what the URL parser refuses instead of failing', () => {
    expect(serializeLocation('https://[例/x', 'http://a.test')).toBe('https://[%E4%BE%8B/x');
  });
});

describe('sendInternalError', () => {
  it('answers a clean "500 Internal Server Error" after a writeHead that threw on a header value, with the request id', async () => {
    const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('x-before', 'kept?');
      res.setHeader('x-ms-request-id', 'abc123');
      try {
        res.writeHead(302, { location: 'https://例え.jp/' });
      } catch {
        sendInternalError(res);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await new Promise<IncomingMessage>((resolve, reject) => {
        get(`http://127.0.0.1:${port}/`, resolve).on('error', reject);
      });
      answer.resume();
      expect(answer.statusCode).toBe(500);
      expect(answer.statusMessage).toBe('Internal Server Error');
      expect(answer.headers.location).toBeUndefined();
      expect(answer.headers['x-before']).toBeUndefined();
      expect(answer.headers['x-ms-request-id']).toBe('abc123');
    } finally {
      server.close();
    }
  });
});
