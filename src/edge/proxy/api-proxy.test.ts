/**
 * The `/api` proxy over real loopback sockets: a node:http backend that echoes what it received, and a
 * node:http front server whose handler calls `proxy.forward`.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PorticoError } from '../../shared/errors.js';
import { SILENT_LOGGER } from '../../shared/logger.js';
import { createApiProxy, createRequestId } from './api-proxy.js';
import type { ApiProxy, ApiProxyOptions } from './types.js';

interface Echo {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawNames: string[];
  bodyLength: number;
  bodySha256: string;
}

interface Backend {
  url: string;
  server: Server;
  requests: number;
  connections: number;
  /** Resolves the `/api/stream` response's second half. */
  releaseStream: () => void;
  /** Requests to `/api/hang` whose upstream side was closed by the proxy. */
  hangClosed: Promise<void>;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

/** Listens on `host` (default 127.0.0.1; `::` takes IPv4 clients as `::ffff:a.b.c.d`), called on 127.0.0.1. */
async function listen(server: Server, host = '127.0.0.1'): Promise<string> {
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${port}`;
}

/**
 * A URL nothing answers at, for good: its port stays held on 127.0.0.1 by a server of this test, and the
 * URL names 127.0.0.2, where nothing listens (a port merely closed could be taken by another test's server).
 */
async function deadUrl(): Promise<string> {
  const parked = await listen(createServer());
  return `http://127.0.0.2:${new URL(parked).port}`;
}

async function startBackend(): Promise<Backend> {
  let releaseStream = (): void => {};
  let hangClosed = (): void => {};
  const streamGate = new Promise<void>((resolve) => {
    releaseStream = resolve;
  });
  const backend: Backend = {
    url: '',
    server: createServer(),
    requests: 0,
    connections: 0,
    releaseStream: () => releaseStream(),
    hangClosed: new Promise<void>((resolve) => {
      hangClosed = resolve;
    }),
  };
  backend.server.on('connection', () => {
    backend.connections += 1;
  });
  backend.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    backend.requests += 1;
    void answerBackend(req, res, streamGate, hangClosed);
  });
  backend.url = await listen(backend.server);
  return backend;
}

async function answerBackend(
  req: IncomingMessage,
  res: ServerResponse,
  streamGate: Promise<void>,
  hangClosed: () => void,
): Promise<void> {
  if (req.url === '/api/hang') {
    req.socket.once('close', hangClosed);
    return;
  }
  if (req.url === '/api/stream' || req.url === '/api/stream-length') {
    // `/api/stream-length` declares its 12 bytes: the proxy must still pass the first part on at once.
    const length = req.url === '/api/stream-length' ? { 'content-length': '12' } : {};
    res.writeHead(200, { 'content-type': 'text/plain', ...length });
    res.write('first;');
    await streamGate;
    res.end('second');
    return;
  }
  if (req.url === '/api/big') {
    await writeBig(res);
    return;
  }
  if (req.url === '/api/teapot') {
    res.setHeader('x-from-api', '1');
    res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
    res.writeHead(418, 'I Am A Teapot', { 'content-type': 'text/plain' }).end('short and stout');
    return;
  }
  await echo(req, res);
}

/** 8 MiB in 64 KiB chunks, honouring backpressure, so the proxy has to pause and resume upstream. */
async function writeBig(res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  for (let i = 0; i < 128; i += 1) {
    if (!res.write(Buffer.alloc(64 * 1024, i))) {
      await once(res, 'drain');
    }
  }
  res.end();
}

async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of req) {
    hash.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  const body: Echo = {
    method: req.method ?? '',
    url: req.url ?? '',
    headers: req.headers,
    rawNames: req.rawHeaders.filter((_, index) => index % 2 === 0),
    bodyLength: length,
    bodySha256: hash.digest('hex'),
  };
  const json = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** A front server forwarding everything; `x-test-principal` stands in for the edge's auth step. */
async function startFront(
  options: ApiProxyOptions,
  host?: string,
): Promise<{ url: string; proxy: ApiProxy }> {
  const proxy = createApiProxy(options);
  const server = createServer((req, res) => {
    const host = req.headers.host ?? '';
    const principal = req.headers['x-test-principal'];
    void proxy.forward(req, res, {
      pathAndQuery: req.url ?? '/',
      originalUrl: `http://${host}/original${req.url ?? ''}`,
      requestId: createRequestId(),
      principalHeader: typeof principal === 'string' ? principal : undefined,
      forwardedHost: host,
      forwardedProto: 'http',
    });
  });
  const url = await listen(server, host);
  cleanups.push(() => proxy.close());
  return { url, proxy };
}

/** One request with a fresh connection; `body` chunks are written one by one (chunked when no length). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer[] } = {},
): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        });
      });
    });
    for (const chunk of options.body ?? []) {
      req.write(chunk);
    }
    req.end();
  });
}

async function sendEcho(url: string, options: Parameters<typeof send>[1] = {}): Promise<Echo> {
  const reply = await send(url, options);
  expect(reply.status).toBe(200);
  return JSON.parse(reply.body) as Echo;
}

describe('createApiProxy: forwarding', () => {
  it('keeps method, raw path and query, and streams a 5 MB body upstream intact', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const body = Array.from({ length: 80 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const seen = await sendEcho(`${url}/api/echo/%C3%A9t%C3%A9?q=1&r=a%20b`, { method: 'PUT', body });
    expect(seen.method).toBe('PUT');
    expect(seen.url).toBe('/api/echo/%C3%A9t%C3%A9?q=1&r=a%20b');
    expect(seen.bodyLength).toBe(5 * 1024 * 1024);
    expect(seen.bodySha256).toBe(createHash('sha256').update(Buffer.concat(body)).digest('hex'));
    expect(seen.headers['transfer-encoding']).toBe('chunked');
  });

  it('forwards a body with a Content-Length as is', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const headers = { 'content-type': 'application/json', 'content-length': '11' };
    const seen = await sendEcho(`${url}/api/post`, {
      method: 'POST',
      headers,
      body: [Buffer.from('{"a":"bcd"}')],
    });
    expect(seen).toMatchObject({ method: 'POST', bodyLength: 11 });
    expect(seen.headers).toMatchObject({ 'content-length': '11', 'content-type': 'application/json' });
  });

  it('streams the response: the first chunk arrives before the backend has finished', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const res = await new Promise<IncomingMessage>((resolve) => request(`${url}/api/stream`, resolve).end());
    const [first] = (await once(res, 'data')) as [Buffer];
    expect(first.toString()).toBe('first;');
    backend.releaseStream();
    let rest = '';
    for await (const chunk of res) {
      rest += String(chunk);
    }
    expect(rest).toBe('second');
  });

  it('streams a response with a Content-Length too: only its last part waits for the end', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const res = await new Promise<IncomingMessage>((resolve) =>
      request(`${url}/api/stream-length`, resolve).end(),
    );
    expect(res.headers['content-length']).toBe('12');
    const [first] = (await once(res, 'data')) as [Buffer];
    expect(first.toString()).toBe('first;');
    backend.releaseStream();
    let rest = '';
    for await (const chunk of res) {
      rest += String(chunk);
    }
    expect(rest).toBe('second');
  });

  it('streams a large response to a slow reader intact', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const res = await new Promise<IncomingMessage>((resolve) => request(`${url}/api/big`, resolve).end());
    const hash = createHash('sha256');
    let length = 0;
    for await (const chunk of res) {
      hash.update(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length < 1024 * 1024) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    const expected = createHash('sha256');
    for (let i = 0; i < 128; i += 1) {
      expected.update(Buffer.alloc(64 * 1024, i));
    }
    expect(length).toBe(8 * 1024 * 1024);
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
  });

  it('answers HEAD with the backend headers and no body', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const reply = await send(`${url}/api/echo`, { method: 'HEAD' });
    expect(reply.status).toBe(200);
    expect(Number(reply.headers['content-length'])).toBeGreaterThan(0);
    expect(reply.body).toBe('');
  });

  it('passes status, reason, custom headers and every Set-Cookie through', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const res = await new Promise<IncomingMessage>((resolve) => request(`${url}/api/teapot`, resolve).end());
    expect(res.statusCode).toBe(418);
    expect(res.statusMessage).toBe('I Am A Teapot');
    expect(res.headers['x-from-api']).toBe('1');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
    res.resume();
  });

  it('reuses one keep-alive upstream connection for sequential requests', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    for (let i = 0; i < 5; i += 1) {
      await sendEcho(`${url}/api/echo?i=${i}`);
    }
    expect(backend.requests).toBe(5);
    expect(backend.connections).toBe(1);
  });

  it('uses a path in the upstream URL as a prefix', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: `${backend.url}/base/` });
    expect((await sendEcho(`${url}/api/x?y=1`)).url).toBe('/base/api/x?y=1');
  });

  it.skipIf(process.platform === 'win32')(
    'connects to upstreamSocketPath instead of the URL, which still gives Host and prefix',
    async () => {
      const folder = await mkdtemp(join(tmpdir(), 'portico-proxy-sock-'));
      cleanups.push(() => rm(folder, { recursive: true, force: true }));
      const socketPath = join(folder, 'api.sock');
      const server = createServer((req, res) => void echo(req, res));
      server.listen(socketPath);
      await once(server, 'listening');
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      // Nothing listens on port 9 of loopback: an answer can only have come over the socket.
      const { url } = await startFront({
        upstreamUrl: 'http://127.0.0.1:9/base',
        upstreamSocketPath: socketPath,
      });
      const echoed = await sendEcho(`${url}/api/x?y=1`);
      expect(echoed.url).toBe('/base/api/x?y=1');
      expect(echoed.headers.host).toBe('127.0.0.1:9');
    },
  );
});

describe('createApiProxy: request headers (CONTRACT §3, D8)', () => {
  it('removes a spoofed client principal and the fields the proxy owns', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const spoofed = {
      'X-MS-CLIENT-PRINCIPAL': 'c3Bvb2Y=',
      'x-ms-client-principal-id': 'spoof',
      'x-ms-client-principal-name': 'spoof',
      'x-ms-original-url': 'http://evil.test/',
      'x-ms-request-id': 'spoof',
      'x-forwarded-host': 'evil.test',
      // App Service authentication's token fields: a backend following its conventions may trust them.
      'X-MS-TOKEN-AAD-ID-TOKEN': 'spoof',
      'x-ms-token-github-access-token': 'spoof',
      // CGI-style servers read underscores as dashes (both are HTTP_X_MS_CLIENT_PRINCIPAL).
      x_ms_client_principal: 'spoof',
      X_MS_TOKEN_AAD_ID_TOKEN: 'spoof',
      x_forwarded_host: 'evil.test',
      'x-ms-other': 'kept',
      x_custom_field: 'kept',
    };
    const seen = await sendEcho(`${url}/api/echo`, { headers: spoofed });
    const normalized = Object.keys(seen.headers).map((name) => name.replaceAll('_', '-'));
    expect(normalized.filter((name) => name.startsWith('x-ms-client-principal'))).toEqual([]);
    expect(normalized.filter((name) => /^x-ms-token-/.test(name))).toEqual([]);
    expect(normalized.filter((name) => name === 'x-forwarded-host')).toEqual(['x-forwarded-host']);
    expect(seen.headers['x-ms-other']).toBe('kept');
    expect(seen.headers.x_custom_field).toBe('kept');
    expect(seen.headers['x-ms-original-url']).toBe(`${url}/original/api/echo`);
    expect(seen.headers['x-ms-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.headers['x-forwarded-host']).toBe(new URL(url).host);
  });

  it('sets x-ms-client-principal, lower-case, when the edge gives a principal', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const seen = await sendEcho(`${url}/api/echo`, {
      headers: { 'x-test-principal': 'eyJ1c2VySWQiOiIxIn0=' },
    });
    expect(seen.headers['x-ms-client-principal']).toBe('eyJ1c2VySWQiOiIxIn0=');
    expect(seen.rawNames).toContain('x-ms-client-principal');
    expect(seen.rawNames.every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('adds forwarding headers, keeps cookies, and drops hop-by-hop fields', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const headers = {
      cookie: 'StaticWebAppsAuthCookie=abc; other=1',
      'x-forwarded-for': '203.0.113.9',
      connection: 'keep-alive, x-hop',
      'x-hop': 'drop me',
      te: 'trailers',
      'proxy-authorization': 'Basic eDp5',
      'x-custom': 'kept',
    };
    const seen = await sendEcho(`${url}/api/echo`, { headers });
    expect(seen.headers).toMatchObject({
      cookie: 'StaticWebAppsAuthCookie=abc; other=1',
      'x-forwarded-for': '203.0.113.9, 127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-custom': 'kept',
      host: new URL(backend.url).host,
    });
    expect(seen.headers).not.toHaveProperty('x-hop');
    expect(seen.headers).not.toHaveProperty('te');
    expect(seen.headers).not.toHaveProperty('proxy-authorization');
  });
});

describe('createApiProxy: the forwarded fields (decision 0084)', () => {
  it('writes an IPv4 caller of a dual-stack listener as a.b.c.d, as the access log and the gateway do', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url }, '::');
    const seen = await sendEcho(`${url}/api/echo`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
  });

  it("drops a client's Forwarded and X-Real-IP, which a backend may trust, as it replaces X-Forwarded-Proto/-Host", async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const seen = await sendEcho(`${url}/api/echo`, {
      headers: {
        forwarded: 'for=6.6.6.6;proto=https;host=evil.test',
        'x-real-ip': '6.6.6.6',
        x_real_ip: '6.6.6.6',
        'x-forwarded-proto': 'https',
        'x-forwarded-port': '1234',
        'x-forwarded-ssl': 'on',
        'x-original-url': '/api/admin',
        'true-client-ip': '6.6.6.6',
        'cf-connecting-ip': '6.6.6.6',
        'x-azure-clientip': '6.6.6.6',
        'x-portico-link-proof': 'replayed',
        // What Spring, ASP.NET on App Service and Envoy setups read as facts (a tester's list).
        'x-forwarded-prefix': '/evil',
        'x-forwarded-uri': '/api/admin',
        'x-original-uri': '/api/admin',
        'x-waws-unencoded-url': '/api/admin',
        'x-arr-ssl': 'spoof',
        'x-arr-clientcert': 'spoof',
        'x-forwarded-client-cert': 'spoof',
        'x-forwarded-server': 'evil.test',
        'x-host': 'evil.test',
        'front-end-https': 'on',
        'x-cluster-client-ip': '6.6.6.6',
        x_forwarded_for: '6.6.6.6',
        x_forwarded_proto: 'https',
      },
    });
    const names = Object.keys(seen.headers).map((name) => name.replaceAll('_', '-'));
    for (const name of ['forwarded', 'x-real-ip', 'x-forwarded-port', 'x-forwarded-ssl', 'x-original-url']) {
      expect(names).not.toContain(name);
    }
    expect(names).not.toContain('true-client-ip');
    expect(names).not.toContain('cf-connecting-ip');
    expect(names).not.toContain('x-azure-clientip');
    expect(names).not.toContain('x-portico-link-proof');
    for (const name of ['x-forwarded-prefix', 'x-forwarded-uri', 'x-original-uri', 'x-waws-unencoded-url']) {
      expect(names).not.toContain(name);
    }
    for (const name of ['x-arr-ssl', 'x-arr-clientcert', 'x-forwarded-client-cert', 'x-forwarded-server']) {
      expect(names).not.toContain(name);
    }
    expect(names).not.toContain('x-host');
    expect(names).not.toContain('front-end-https');
    expect(names).not.toContain('x-cluster-client-ip');
    expect(names.filter((name) => name === 'x-forwarded-for' || name === 'x-forwarded-proto')).toHaveLength(
      2,
    );
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
  });
});

describe('createApiProxy: limits and faults', () => {
  it('answers 413 for a declared Content-Length over 30 MB without contacting the backend', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const req = request(`${url}/api/upload`, {
      method: 'POST',
      agent: false,
      headers: { 'content-length': String(31 * 1024 * 1024) },
    });
    req.on('error', () => {});
    req.write(Buffer.alloc(64 * 1024));
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    let body = '';
    for await (const chunk of res) {
      body += String(chunk);
    }
    req.destroy();
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ statusCode: 413, code: 'PROXY_BODY_TOO_LARGE' });
    expect(body).toContain('30 MB');
    expect(backend.requests).toBe(0);
  });

  it('answers 413 when a chunked body grows past the limit while streaming', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url, maxBodyBytes: 1024 });
    const body = [Buffer.alloc(600), Buffer.alloc(600), Buffer.alloc(600)];
    const reply = await send(`${url}/api/upload`, { method: 'POST', body });
    expect(reply.status).toBe(413);
    expect(reply.body).toContain('1024 bytes');
  });

  it('answers 500 "Backend call failure" at the timeout, then keeps serving', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url, timeoutMs: 300 });
    const started = Date.now();
    const reply = await send(`${url}/api/hang`);
    expect(reply.status).toBe(500);
    expect(reply.body).toBe('Backend call failure');
    expect(Date.now() - started).toBeLessThan(2_000);
    await backend.hangClosed;
    expect((await sendEcho(`${url}/api/echo?after=timeout`)).url).toBe('/api/echo?after=timeout');
  });

  it('destroys a response that already started when the timeout hits', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url, timeoutMs: 300 });
    const res = await new Promise<IncomingMessage>((resolve) => request(`${url}/api/stream`, resolve).end());
    expect(res.statusCode).toBe(200);
    res.resume();
    const [error] = (await once(res, 'error')) as [Error];
    expect(error.message).toBe('aborted');
    backend.releaseStream();
  });

  it('answers 502 with an explanation when the backend is down', async () => {
    const dead = await deadUrl();
    const warnings: string[] = [];
    const logger = { ...SILENT_LOGGER, warn: (line: string) => warnings.push(line) };
    const { url } = await startFront({ upstreamUrl: dead, logger });
    const reply = await send(`${url}/api/x?token=secret`, { method: 'POST', body: [Buffer.from('payload')] });
    expect(reply.status).toBe(502);
    expect(reply.headers['content-type']).toContain('application/json');
    expect(JSON.parse(reply.body)).toMatchObject({
      statusCode: 502,
      code: 'PROXY_BACKEND_UNAVAILABLE',
      message: 'The API backend is not reachable.',
    });
    // The errno is the server's to know (decision 0104): it says how the server's network answered.
    expect(reply.body).not.toContain('ECONNREFUSED');
    expect(reply.body).not.toContain(new URL(dead).port);
    expect(reply.body).not.toContain('127.0.0.2');
    expect(warnings).toEqual([
      `/api POST /api/x: The API backend is not reachable. (ECONNREFUSED, backend ${dead})`,
    ]);
  });

  it('with whenUpstreamReady, holds a request until the backend is back, and resends one that was refused', async () => {
    const dead = await deadUrl();
    let checks = 0;
    const revived = createServer((_req, res) => res.end('back'));
    // The first check says "ready" although nothing listens (a crash not seen yet); the second revives it.
    const whenUpstreamReady = async () => {
      checks += 1;
      if (checks === 2) {
        revived.listen(Number(new URL(dead).port), '127.0.0.2');
        await once(revived, 'listening');
        cleanups.push(() => new Promise<void>((resolve) => revived.close(() => resolve())));
      }
    };
    const { url } = await startFront({ upstreamUrl: dead, whenUpstreamReady });
    const reply = await send(`${url}/api/x`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('back');
    expect(checks).toBe(2);
  });

  it('with whenUpstreamReady, a refusal from the host is the answer, at once', async () => {
    const backend = await startBackend();
    const refusal = new PorticoError('PROXY_BACKEND_UNAVAILABLE', 'The API is not running: it cannot load.');
    const { url } = await startFront({
      upstreamUrl: backend.url,
      whenUpstreamReady: () => Promise.reject(refusal),
    });
    const reply = await send(`${url}/api/x`, { method: 'POST', body: [Buffer.from('payload')] });
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body)).toMatchObject({ message: 'The API is not running: it cannot load.' });
    expect(backend.requests).toBe(0);
  });

  it('a platform call (the roles function) to a dead backend fails without naming its address', async () => {
    const dead = await deadUrl();
    const warnings: string[] = [];
    const logger = { ...SILENT_LOGGER, warn: (line: string) => warnings.push(line) };
    const { proxy } = await startFront({ upstreamUrl: dead, logger });
    const failure = await proxy
      .call({ method: 'POST', pathAndQuery: '/api/roles', headers: {} })
      .catch((error: unknown) => error as Error);
    expect(failure).toMatchObject({ message: 'The API backend is not reachable.' });
    expect(warnings.join('\n')).toContain(dead);
  });

  it('aborts the upstream request quietly when the client goes away', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const req = request(`${url}/api/hang`, { agent: false });
    req.on('error', () => {});
    req.end();
    await new Promise<void>((resolve) => backend.server.once('request', () => resolve()));
    (req.socket as Socket).destroy();
    await backend.hangClosed;
    expect((await sendEcho(`${url}/api/echo?after=abort`)).url).toBe('/api/echo?after=abort');
  });

  it('refuses a WebSocket handshake that reaches forward() with 501', async () => {
    const backend = await startBackend();
    const { url } = await startFront({ upstreamUrl: backend.url });
    const reply = await send(`${url}/api/ws`, { headers: { connection: 'Upgrade', upgrade: 'websocket' } });
    expect(reply.status).toBe(501);
    expect(reply.body).toContain('WebSocket upgrades are not supported');
    expect(backend.requests).toBe(0);
  });

  it('answers 502 after close()', async () => {
    const backend = await startBackend();
    const { url, proxy } = await startFront({ upstreamUrl: backend.url });
    await proxy.close();
    expect((await send(`${url}/api/echo`)).status).toBe(502);
  });
});

describe('createRequestId', () => {
  it('returns 32 random hex characters', () => {
    const id = createRequestId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(createRequestId()).not.toBe(id);
  });

  it('never hands out an id twice, across refills of its pool', () => {
    // 256 ids per fill: 600 ids span three fills.
    const ids = Array.from({ length: 600 }, () => createRequestId());
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(600);
  });
});
