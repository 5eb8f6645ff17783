/**
 * Step 0 of the pipeline in `portico start`, over raw sockets: requests Node's parser lets through, or
 * stops in ways that lost the answer, get complete answers, as `portico serve` gives them
 * (test/serve/request-head.test.ts). Decision 0119.
 * @see a tester's raw-HTTP report on serve and start (proto-edge)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { exchangeRaw, firstBody, statusLines } from '../helpers/raw-http.js';

let app: TestApp;
let backend: Backend;
let port: number;

const NEXT = 'GET /api/next HTTP/1.1\r\nHost: localhost\r\n\r\n';

beforeAll(async () => {
  backend = await startBackend();
  app = await startApp({ 'index.html': 'home' }, { apiDevserverUrl: backend.url });
  port = Number(new URL(app.url).port);
});
afterAll(async () => {
  await app.close();
  await backend.close();
});

/** The URLs the API backend got since `before` requests. */
const apiCallsSince = (before: number) => backend.requests.slice(before).map((seen) => seen.url);

describe('bytes after a request that closes the connection', () => {
  it('the request is answered, and what follows is not run', async () => {
    const before = backend.requests.length;
    const text = await exchangeRaw(
      port,
      'POST /api/order HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello' +
        NEXT,
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
    expect(JSON.parse(firstBody(text))).toMatchObject({ method: 'POST', url: '/api/order', body: 'hello' });
    expect(apiCallsSince(before)).toEqual(['/api/order']);
  });

  it('a static page too, and after an HTTP/1.0 request without keep-alive', async () => {
    const closing = await exchangeRaw(
      port,
      `GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n${NEXT}`,
    );
    expect(statusLines(closing)).toEqual(['HTTP/1.1 200 OK']);
    expect(firstBody(closing)).toBe('home');
    const old = await exchangeRaw(port, `GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n${NEXT}`);
    expect(statusLines(old)).toEqual(['HTTP/1.1 200 OK']);
    expect(firstBody(old)).toBe('home');
  });
});

describe('request heads answered at step 0', () => {
  it('CONNECT gets a complete 501 and the connection is closed', async () => {
    const text = await exchangeRaw(
      port,
      `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 501 Not Implemented']);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(firstBody(text)).toContain('CONNECT');
  });

  it('an absolute-form target naming another host than Host is refused, as in portico serve', async () => {
    const before = backend.requests.length;
    const text = await exchangeRaw(
      port,
      'GET http://evil.example/api/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(firstBody(text)).toContain('another host than the Host field');
    expect(apiCallsSince(before)).toEqual([]);
    // The target's authority naming the Host's name is served.
    const same = await exchangeRaw(
      port,
      `GET http://localhost:${port}/index.html HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`,
    );
    expect(firstBody(same)).toBe('home');
    // As before step 0 (a regression tester's report): HTTP/1.0 in absolute form without Host, whose
    // target is its host; an empty Host port, the default one; a target that is no URL gets the parser's 400.
    const old = await exchangeRaw(port, `GET http://127.0.0.1:${port}/index.html HTTP/1.0\r\n\r\n`);
    expect(firstBody(old)).toBe('home');
    const emptyPort = await exchangeRaw(
      port,
      'GET /index.html HTTP/1.1\r\nHost: localhost:\r\nConnection: close\r\n\r\n',
    );
    expect(firstBody(emptyPort)).toBe('home');
    const relative = await exchangeRaw(
      port,
      'GET index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    expect(statusLines(relative)).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(firstBody(relative)).toContain('could not be parsed');
  });

  it('a transfer coding other than chunked alone gets 501, and the API is not called', async () => {
    const before = backend.requests.length;
    const text = await exchangeRaw(
      port,
      'POST /api/x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 501 Not Implemented']);
    expect(apiCallsSince(before)).toEqual([]);
    const chunked = await exchangeRaw(
      port,
      'POST /api/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    );
    expect((JSON.parse(firstBody(chunked)) as EchoRequest).body).toBe('abc');
  });

  it.each(['localhost:65536', 'localhost:0', 'localhost:99999', 'localhost:099', '[::1]:70000'])(
    'a Host port outside 1-65535 (or with a leading zero) is refused: %s',
    async (host) => {
      const text = await exchangeRaw(
        port,
        `GET /index.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(statusLines(text)).toEqual(['HTTP/1.1 400 Bad Request']);
      expect(firstBody(text)).toContain('port in the Host field');
    },
  );

  it('OPTIONS * (a request about the server) gets 204', async () => {
    const text = await exchangeRaw(
      port,
      'OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 204 No Content']);
  });
});
