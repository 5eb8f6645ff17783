/**
 * The edge reaches the managed functions host of its own process with frames instead of HTTP (decision
 * 0036). A function must not be able to tell, nor a client: each request below goes once through a proxy
 * on frames and once through a proxy on HTTP (the host's Unix socket), and what the function saw of the
 * request and what the client got back are compared byte for byte.
 */
import { unlink } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProxy, createApiProxy } from '../../src/edge/index.js';
import {
  type ApiDispatcher,
  createFunctionsHost,
  type FunctionsHost,
} from '../../src/functions-host/index.js';
import { SILENT_LOGGER } from '../../src/shared/logger.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/functions/transport', import.meta.url));

interface Answer {
  status: number;
  headers: string[];
  body: Buffer;
}

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: string[];
  body?: Buffer;
  /** Sent with `transfer-encoding: chunked` in two pieces instead of with a length. */
  chunked?: boolean;
}

const BIG = Buffer.alloc(3 * 1024 * 1024 + 7, 'xyz');
const OVER = Buffer.alloc(30 * 1024 * 1024 + 1, 'o');

const CASES: Case[] = [
  {
    name: 'GET with a query, repeated fields and cookies',
    method: 'GET',
    path: '/api/mirror/a/b%20c?x=1&x=2&y=%C3%A9',
    headers: [
      'Accept',
      'application/json',
      'X-Custom',
      'one',
      'x-custom',
      'two',
      'Cookie',
      'c=1',
      'cookie',
      'd=2',
    ],
  },
  {
    name: 'single-value fields keep their first value',
    method: 'GET',
    path: '/api/mirror/first',
    headers: [
      'User-Agent',
      'first',
      'user-agent',
      'second',
      'Referer',
      'http://a.test/',
      'referer',
      'http://b.test/',
    ],
  },
  {
    name: 'POST with a JSON body',
    method: 'POST',
    path: '/api/mirror/post',
    headers: ['content-type', 'application/json'],
    body: Buffer.from('{"hello":"world","n":[1,2,3]}'),
  },
  {
    name: 'POST with a chunked body',
    method: 'POST',
    path: '/api/mirror/chunked',
    body: Buffer.from('part one, part two'),
    chunked: true,
  },
  { name: 'PUT with an empty body', method: 'PUT', path: '/api/mirror/empty', body: Buffer.alloc(0) },
  { name: 'PATCH with a 3 MB body', method: 'PATCH', path: '/api/mirror/big', body: BIG },
  { name: 'DELETE without a body', method: 'DELETE', path: '/api/mirror/gone' },
  { name: 'HEAD', method: 'HEAD', path: '/api/mirror/head' },
  { name: 'a status the function chose', method: 'GET', path: '/api/mirror/teapot?status=418' },
  { name: '204 from the function', method: 'GET', path: '/api/mirror/nothing?status=204' },
  { name: 'a binary body', method: 'GET', path: '/api/binary' },
  { name: 'a failing function', method: 'GET', path: '/api/fails' },
  { name: 'no such function', method: 'GET', path: '/api/nope' },
  { name: 'a method the function does not take', method: 'POST', path: '/api/binary' },
  // Decision 0112: a body no function takes is never asked for (left unread, then drained), and one over
  // the limit fails while it streams to the worker in parts, as it does over HTTP.
  { name: 'a body for no such function', method: 'POST', path: '/api/nope', body: BIG, chunked: true },
  {
    name: 'a chunked body over the 30 MB limit',
    method: 'POST',
    path: '/api/mirror/limit',
    body: OVER,
    chunked: true,
  },
  { name: "the worker's health path is not the app's", method: 'GET', path: '/api/__portico/health' },
];

describe('managed functions over frames and over HTTP', () => {
  let host: FunctionsHost;
  let socketPath: string;
  let framed: ApiProxy;
  let plain: ApiProxy;
  let framedFront: Server;
  let plainFront: Server;

  beforeAll(async () => {
    host = createFunctionsHost({ apiDir: FIXTURE, logger: SILENT_LOGGER });
    const info = await host.start();
    socketPath = info.socketPath ?? '';
    const dispatcher = host.createDispatcher();
    expect(dispatcher).toBeDefined();
    const whenUpstreamReady = () => host.whenReady();
    framed = createApiProxy({ upstreamUrl: info.url, dispatcher, whenUpstreamReady });
    plain = createApiProxy({ upstreamUrl: info.url, upstreamSocketPath: socketPath, whenUpstreamReady });
    framedFront = await listen(framed);
    plainFront = await listen(plain);
  }, 60_000);

  afterAll(async () => {
    framedFront?.close();
    plainFront?.close();
    await Promise.all([framed?.close(), plain?.close()]);
    await host?.close();
  });

  it.each(CASES)('$name: the same request reaches the function, the same answer the client', async (c) => {
    const overFrames = await send(framedFront, c);
    const overHttp = await send(plainFront, c);
    expect(overFrames.status).toBe(overHttp.status);
    expect(overFrames.headers).toEqual(overHttp.headers);
    expect(overFrames.body.equals(overHttp.body)).toBe(true);
    if (c.path.startsWith('/api/mirror') && c.method !== 'HEAD' && ![204, 413].includes(overHttp.status)) {
      const seen = JSON.parse(overFrames.body.toString('utf8')) as { bodyLength: number };
      expect(seen.bodyLength).toBe(c.body?.length ?? 0);
    }
  });

  it('keeps answering while the worker is replaced, requests in flight included', async () => {
    const path = '/api/mirror/restart';
    const before = Array.from({ length: 20 }, () => send(framedFront, { name: '', method: 'GET', path }));
    const restarted = host.restart();
    const during = Array.from({ length: 20 }, () => send(framedFront, { name: '', method: 'GET', path }));
    await restarted;
    const after = Array.from({ length: 5 }, () => send(framedFront, { name: '', method: 'GET', path }));
    const statuses = (await Promise.all([...before, ...during, ...after])).map((answer) => answer.status);
    expect(statuses).toEqual(Array(45).fill(200));
  }, 60_000);

  it('never sends a request its caller gave up on while the connection waited for a worker', async () => {
    const dispatcher = host.createDispatcher() as ApiDispatcher;
    // While the worker is replaced, no worker takes the dispatcher's new connection (no HELLO yet).
    const restarted = host.restart();
    const given = new Error('the client went away');
    const abandoned = get(dispatcher, '/api/calls/abandoned', (controller) =>
      setImmediate(() => controller.abort(given)),
    );
    await expect(abandoned).rejects.toBe(given);
    await restarted;
    // The function counts its calls: this one is its first, the abandoned request never reached it.
    const answer = await get(dispatcher, '/api/calls/abandoned');
    expect(JSON.parse(answer)).toEqual({ calls: 1 });
    await dispatcher.destroy();
  }, 60_000);

  it('carries the requests itself: they are answered with the HTTP socket gone', async () => {
    await unlink(socketPath);
    const answer = await send(framedFront, { name: '', method: 'GET', path: '/api/mirror/frames-only' });
    expect(answer.status).toBe(200);
  });
});

/** A front server that forwards everything to `proxy` as the edge does, with fixed request id and host. */
async function listen(proxy: ApiProxy): Promise<Server> {
  const server = createServer((req, res) => {
    void proxy.forward(req, res, {
      pathAndQuery: req.url ?? '/',
      originalUrl: `http://site.test${req.url ?? '/'}`,
      requestId: 'request-id-for-both',
      forwardedHost: 'site.test',
      forwardedProto: 'http',
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/**
 * A GET sent with `dispatcher` as the `/api` proxy sends it; `onStart` gets the exchange's controller.
 * Resolves with the body of a 200, rejects with the error the handler got.
 */
function get(
  dispatcher: ApiDispatcher,
  path: string,
  onStart?: (controller: Dispatcher.DispatchController) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = 0;
    dispatcher.dispatch(
      { method: 'GET', path, headers: { host: 'site.test' } },
      {
        onRequestStart: (controller) => onStart?.(controller),
        onResponseStart: (_controller, code) => {
          status = code;
        },
        onResponseData: (_controller, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (status === 200) {
            resolve(body);
          } else {
            reject(new Error(`status ${status}: ${body}`));
          }
        },
        onResponseError: (_controller, error) => reject(error),
      },
    );
  });
}

/** Sends `c` with exactly its header lines; the answer's headers lower-case, in order, without `date`. */
function send(server: Server, c: Case): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  const lines = ['Host', 'site.test', ...(c.headers ?? [])];
  if (c.body !== undefined && !c.chunked) {
    lines.push('Content-Length', String(c.body.length));
  }
  if (c.chunked) {
    lines.push('Transfer-Encoding', 'chunked');
  }
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: c.method, path: c.path, headers: lines, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const name = (res.rawHeaders[i] as string).toLowerCase();
            if (name !== 'date') {
              headers.push(name, res.rawHeaders[i + 1] as string);
            }
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on('error', reject);
    if (c.chunked && c.body !== undefined) {
      const half = Math.floor(c.body.length / 2);
      req.write(c.body.subarray(0, half));
      req.end(c.body.subarray(half));
    } else {
      req.end(c.body);
    }
  });
}
