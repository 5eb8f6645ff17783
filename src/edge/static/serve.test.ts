import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CompressionCache, createCompressionCache } from './compression-cache.js';
import { resolveContentType } from './content-type.js';
import { createDirectorySource, type DirectorySource } from './directory-source.js';
import { DEFAULT_CACHE_CONTROL, type ServeOptions, sendBody, serveFile } from './serve.js';

const MTIME_SECONDS = 1_700_000_000;
const LAST_MODIFIED = new Date(MTIME_SECONDS * 1000).toUTCString();
const SMALL = 'hello, static world\n';
const SCRIPT = `${'export const greeting = "hello";\n'.repeat(200)}`;
const WASM = randomBytes(4096);
const WASM_BR = brotliCompressSync(WASM);
const LARGE = randomBytes(3 * 1024 * 1024);
const HUGE_BYTES = 32 * 1024 * 1024;

let base: string;
let source: DirectorySource;
let server: Server;
let origin: string;
let compression: CompressionCache;
/** Per-test knobs for the handler: extra serve options, the status, or a different file. */
let overrides: Partial<ServeOptions> & { file?: string } = {};
const failures: unknown[] = [];

async function put(
  relativePath: string,
  content: string | Buffer,
  mtimeSeconds = MTIME_SECONDS,
): Promise<void> {
  const path = join(base, relativePath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  await utimes(path, mtimeSeconds, mtimeSeconds);
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'portico-serve-'));
  await put('index.html', SMALL);
  await put('404.html', '<h1>custom not found</h1>');
  await put('app.js', SCRIPT);
  await put('app.wasm', WASM);
  await put('app.wasm.br', WASM_BR);
  await put('plain.wasm', WASM);
  await put('stale.wasm', WASM);
  await put('stale.wasm.br', WASM_BR, MTIME_SECONDS - 60);
  await put('large.bin', LARGE);
  await put('huge.txt', Buffer.alloc(HUGE_BYTES, 'a'));
  await put('empty.txt', '');
  source = await createDirectorySource({ root: base });
  server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => failures.push(error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await source.close();
  await rm(base, { recursive: true, force: true });
});

afterEach(() => {
  overrides = {};
  expect(failures).toEqual([]);
});

/** The test app: map the URL to a file (or to `overrides.file`) and serve it. */
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const file = source.get(overrides.file ?? path);
  if (file === undefined) {
    sendBody(res, 404, 'missing', 'text/plain; charset=utf-8');
    return;
  }
  const contentType = overrides.contentType ?? resolveContentType(file.path, {});
  await serveFile(req, res, file, { source, compression, ...overrides, contentType });
}

async function get(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
  const response = await request(`${origin}${path}`, { method, headers });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body };
}

/** Drops the headers Node and undici manage per connection, which legitimately differ between requests. */
function withoutConnectionHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const { connection: _connection, 'keep-alive': _keepAlive, date: _date, ...rest } = headers;
  return rest;
}

function etagOf(path: string): string {
  const file = source.get(path);
  if (file === undefined) {
    throw new Error(`no fixture ${path}`);
  }
  return file.etag;
}

describe('serveFile: 200 and HEAD', () => {
  it('sends the body with the default headers', async () => {
    compression = createCompressionCache();
    const answer = await get('/index.html');

    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe(SMALL);
    expect(answer.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(SMALL.length),
      etag: etagOf('/index.html'),
      'last-modified': LAST_MODIFIED,
      'accept-ranges': 'bytes',
      'cache-control': DEFAULT_CACHE_CONTROL,
      vary: 'Accept-Encoding',
    });
  });

  it('answers HEAD with the same headers and no body', async () => {
    const full = await get('/app.js');
    const head = await get('/app.js', {}, 'HEAD');

    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(withoutConnectionHeaders(head.headers)).toEqual(withoutConnectionHeaders(full.headers));
  });

  it('sends an empty file', async () => {
    const answer = await get('/empty.txt');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-length']).toBe('0');
  });

  it('streams files above the in-memory limit', async () => {
    const answer = await get('/large.bin');
    expect(answer.headers['content-length']).toBe(String(LARGE.length));
    expect(answer.body.equals(LARGE)).toBe(true);
  });

  it('does not add Vary to types that are never compressed and have no sibling', async () => {
    const answer = await get('/large.bin');
    expect(answer.headers.vary).toBeUndefined();
  });
});

describe('serveFile: conditional requests', () => {
  it.each([
    ['its exact ETag', () => etagOf('/index.html')],
    ['a list containing it', () => `"nope", ${etagOf('/index.html')}`],
    ['its weak form', () => `W/${etagOf('/index.html')}`],
    ['*', () => '*'],
  ])('answers 304 to If-None-Match with %s', async (_name, value) => {
    const answer = await get('/index.html', { 'if-none-match': value() });

    expect(answer.status).toBe(304);
    expect(answer.body.length).toBe(0);
    expect(answer.headers.etag).toBe(etagOf('/index.html'));
    expect(answer.headers['content-type']).toBeUndefined();
  });

  it('answers 200 to a stale If-None-Match even with a fresh If-Modified-Since', async () => {
    const answer = await get('/index.html', {
      'if-none-match': '"stale"',
      'if-modified-since': LAST_MODIFIED,
    });
    expect(answer.status).toBe(200);
  });

  it('answers 304 to If-Modified-Since at or after Last-Modified, 200 before', async () => {
    const later = new Date((MTIME_SECONDS + 60) * 1000).toUTCString();
    const earlier = new Date((MTIME_SECONDS - 60) * 1000).toUTCString();

    expect((await get('/index.html', { 'if-modified-since': LAST_MODIFIED })).status).toBe(304);
    expect((await get('/index.html', { 'if-modified-since': later })).status).toBe(304);
    expect((await get('/index.html', { 'if-modified-since': earlier })).status).toBe(200);
    expect((await get('/index.html', { 'if-modified-since': 'garbage' })).status).toBe(200);
  });

  it('answers HEAD conditionally too', async () => {
    const answer = await get('/index.html', { 'if-none-match': etagOf('/index.html') }, 'HEAD');
    expect(answer.status).toBe(304);
  });
});

describe('serveFile: ranges', () => {
  it.each([
    ['bytes=0-4', 'hello', 'bytes 0-4/20'],
    ['bytes=7-', 'static world\n', 'bytes 7-19/20'],
    ['bytes=-6', 'world\n', 'bytes 14-19/20'],
    ['bytes=15-999', 'orld\n', 'bytes 15-19/20'],
  ])('answers %s with 206', async (range, body, contentRange) => {
    const answer = await get('/index.html', { range });

    expect(answer.status).toBe(206);
    expect(answer.body.toString()).toBe(body);
    expect(answer.headers['content-range']).toBe(contentRange);
    expect(answer.headers['content-length']).toBe(String(body.length));
  });

  it('answers an unsatisfiable range with 416 and the size', async () => {
    const answer = await get('/index.html', { range: 'bytes=20-' });

    expect(answer.status).toBe(416);
    expect(answer.headers['content-range']).toBe('bytes */20');
    expect((await get('/empty.txt', { range: 'bytes=-1' })).status).toBe(416);
  });

  it.each(['bytes=0-1,4-5', 'bytes=5-2', 'items=0-1', 'bytes=abc'])(
    'ignores %s and sends 200',
    async (range) => {
      const answer = await get('/index.html', { range });

      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toBe(SMALL);
    },
  );

  it('honours If-Range only for the current strong ETag', async () => {
    const current = await get('/index.html', { range: 'bytes=0-4', 'if-range': etagOf('/index.html') });
    const stale = await get('/index.html', { range: 'bytes=0-4', 'if-range': '"other"' });
    const dated = await get('/index.html', { range: 'bytes=0-4', 'if-range': LAST_MODIFIED });

    expect(current.status).toBe(206);
    expect(stale.status).toBe(200);
    expect(dated.status).toBe(200);
  });

  it('streams a range of a large file', async () => {
    const answer = await get('/large.bin', { range: 'bytes=1048576-1048675' });

    expect(answer.status).toBe(206);
    expect(answer.body.equals(LARGE.subarray(1_048_576, 1_048_676))).toBe(true);
  });

  it('sends identity bytes for a range even when the client accepts compression', async () => {
    const answer = await get('/app.js', { range: 'bytes=0-5', 'accept-encoding': 'br, gzip' });

    expect(answer.status).toBe(206);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.toString()).toBe('export');
  });

  it('ignores Range on HEAD', async () => {
    expect((await get('/index.html', { range: 'bytes=0-4' }, 'HEAD')).status).toBe(200);
  });
});

describe('serveFile: compression', () => {
  it.each([
    ['gzip', 'gzip', gunzipSync],
    ['br', 'br', brotliDecompressSync],
    ['gzip, deflate, br', 'br', brotliDecompressSync],
    ['gzip;q=1, br;q=0.5', 'gzip', gunzipSync],
    ['*', 'br', brotliDecompressSync],
    ['br;q=0, *;q=0.1', 'gzip', gunzipSync],
  ])('answers Accept-Encoding %j with %s', async (acceptEncoding, encoding, decode) => {
    compression = createCompressionCache();
    const answer = await get('/app.js', { 'accept-encoding': acceptEncoding });

    expect(answer.headers['content-encoding']).toBe(encoding);
    expect(answer.headers['content-length']).toBe(String(answer.body.length));
    expect(answer.headers.etag).toBe(`${etagOf('/app.js').slice(0, -1)}-${encoding}"`);
    expect(answer.headers.vary).toBe('Accept-Encoding');
    expect(answer.headers['accept-ranges']).toBeUndefined();
    expect(decode(answer.body).toString()).toBe(SCRIPT);
    expect(answer.body.length).toBeLessThan(SCRIPT.length / 4);
  });

  it.each(['identity', 'br;q=0, gzip;q=0', 'deflate', ''])(
    'sends identity for Accept-Encoding %j',
    async (value) => {
      const answer = await get('/app.js', { 'accept-encoding': value });

      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(answer.body.toString()).toBe(SCRIPT);
    },
  );

  it('compresses each file version once, sharing one job between concurrent requests', async () => {
    compression = createCompressionCache();
    const concurrent = await Promise.all([1, 2, 3].map(() => get('/app.js', { 'accept-encoding': 'br' })));
    const later = await get('/app.js', { 'accept-encoding': 'br' });

    expect(compression.stats()).toMatchObject({ compressions: 1, entries: 1 });
    expect(compression.stats().hits).toBeGreaterThanOrEqual(1);
    expect(new Set([...concurrent, later].map((answer) => answer.body.toString('base64'))).size).toBe(1);
  });

  it('answers a compressed 304 by its variant ETag', async () => {
    const etag = `${etagOf('/app.js').slice(0, -1)}-br"`;
    expect((await get('/app.js', { 'accept-encoding': 'br', 'if-none-match': etag })).status).toBe(304);
    expect((await get('/app.js', { 'accept-encoding': 'gzip', 'if-none-match': etag })).status).toBe(200);
  });

  it('sends HEAD of a compressed variant with its length', async () => {
    const full = await get('/app.js', { 'accept-encoding': 'gzip' });
    const head = await get('/app.js', { 'accept-encoding': 'gzip' }, 'HEAD');

    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(full.headers['content-length']);
  });

  it('does not compress files under 1 KiB', async () => {
    const answer = await get('/index.html', { 'accept-encoding': 'br, gzip' });
    expect(answer.headers['content-encoding']).toBeUndefined();
  });

  it('does not compress on the fly with compression: false', async () => {
    overrides = { compression: false };
    const answer = await get('/app.js', { 'accept-encoding': 'br, gzip' });
    expect(answer.headers['content-encoding']).toBeUndefined();
  });

  it('sends identity without a cache and without a source', async () => {
    overrides = { compression: undefined, source: undefined };
    const answer = await get('/app.js', { 'accept-encoding': 'br, gzip' });
    expect(answer.headers['content-encoding']).toBeUndefined();
  });

  it('compresses with a default cache owned by the source when no cache is given', async () => {
    overrides = { compression: undefined };
    const answer = await get('/app.js', { 'accept-encoding': 'gzip' });

    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(answer.body).toString()).toBe(SCRIPT);
  });

  it('serves a .br sibling of a non-compressible type to clients accepting br', async () => {
    const answer = await get('/app.wasm', { 'accept-encoding': 'gzip, br' });

    expect(answer.headers['content-type']).toBe('application/wasm');
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers.vary).toBe('Accept-Encoding');
    expect(answer.headers.etag).toBe(`${etagOf('/app.wasm.br').slice(0, -1)}-br"`);
    expect(answer.body.equals(WASM_BR)).toBe(true);
    expect(brotliDecompressSync(answer.body).equals(WASM)).toBe(true);
  });

  it('ignores a sibling older than the file it compresses', async () => {
    const answer = await get('/stale.wasm', { 'accept-encoding': 'br' });

    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.equals(WASM)).toBe(true);
  });

  it('serves the plain file to clients without br, and never compresses wasm itself', async () => {
    const withoutBr = await get('/app.wasm', { 'accept-encoding': 'gzip' });
    const noSibling = await get('/plain.wasm', { 'accept-encoding': 'br, gzip' });

    expect(withoutBr.headers['content-encoding']).toBeUndefined();
    expect(withoutBr.body.equals(WASM)).toBe(true);
    expect(noSibling.headers['content-encoding']).toBeUndefined();
    expect(noSibling.body.equals(WASM)).toBe(true);
  });
});

describe('serveFile: header rules and status', () => {
  it('removes headers given as empty strings, whatever their case', async () => {
    overrides = { headers: { etag: '', 'Cache-Control': '', 'LAST-MODIFIED': '' } };
    const answer = await get('/index.html');

    expect(answer.headers.etag).toBeUndefined();
    expect(answer.headers['cache-control']).toBeUndefined();
    expect(answer.headers['last-modified']).toBeUndefined();
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('replaces defaults case-insensitively and adds new headers', async () => {
    overrides = {
      headers: { 'CACHE-CONTROL': 'no-store', 'X-Frame-Options': 'DENY', 'Content-Length': '1' },
    };
    const answer = await get('/index.html');

    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['content-length']).toBe(String(SMALL.length));
    expect(answer.body.toString()).toBe(SMALL);
  });

  it('keeps Accept-Encoding in a Vary replaced by a rule', async () => {
    overrides = { headers: { Vary: 'Origin' } };
    expect((await get('/app.js')).headers.vary).toBe('Origin, Accept-Encoding');
  });

  it('compares If-None-Match with the ETag a rule set', async () => {
    overrides = { headers: { ETag: '"custom"' } };
    expect((await get('/index.html', { 'if-none-match': '"custom"' })).status).toBe(304);
  });

  it('never answers 304 once the ETag was removed, unless If-Modified-Since applies', async () => {
    overrides = { headers: { etag: '' } };
    expect((await get('/index.html', { 'if-none-match': etagOf('/index.html') })).status).toBe(200);
  });

  it('serves a custom error page with its status, without conditionals or ranges', async () => {
    overrides = { file: '/404.html', status: 404 };
    const plain = await get('/missing');
    const conditional = await get('/missing', { 'if-none-match': etagOf('/404.html') });
    const ranged = await get('/missing', { range: 'bytes=0-3' });

    expect(plain.status).toBe(404);
    expect(plain.body.toString()).toBe('<h1>custom not found</h1>');
    expect(plain.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(plain.headers['accept-ranges']).toBeUndefined();
    expect(conditional.status).toBe(404);
    expect(ranged.status).toBe(404);
    expect(ranged.body.toString()).toBe('<h1>custom not found</h1>');
  });

  it('serves a navigation fallback with 200', async () => {
    overrides = { file: '/index.html' };
    const answer = await get('/some/client/route');

    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe(SMALL);
  });
});

describe('sendBody', () => {
  it('writes a complete response with header rules', async () => {
    const answer = await get('/nowhere');

    expect(answer.status).toBe(404);
    expect(answer.body.toString()).toBe('missing');
    expect(answer.headers['content-length']).toBe('7');
  });
});

describe('serveFile: client aborts', () => {
  it('survives a client closing the connection mid-stream', async () => {
    const lines: string[] = [];
    overrides = { logger: { debug: (line) => lines.push(line), info() {}, warn() {}, error() {} } };
    await abortAfterFirstChunk('/huge.txt');
    await waitFor(() => lines.length > 0, 'the abort to be noticed');

    expect(lines[0]).toContain('client closed the connection');
    expect((await get('/index.html')).status).toBe(200);
  });
});

/** Reads one chunk of `path`, then destroys the socket while the server is still streaming. */
function abortAfterFirstChunk(path: string): Promise<void> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' ? undefined : reject(error),
    );
    req.end();
  });
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
