import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PorticoError } from '../shared/errors.js';
import { formatServerError, request, serverErrorCode, TRY_AGAIN_EXIT_CODE } from './http.js';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

/** A loopback server answering with `handler`; returns its base URL. */
async function serve(handler: Handler): Promise<string> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

describe('request', () => {
  it('ends a command with the try-again exit code only for failures that may pass', async () => {
    const exitCodeOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 'answered',
        (error: PorticoError) => error.exitCode,
      );
    let status = 503;
    const url = await serve((_req, _body, res) =>
      sendJson(res, status, { error: { code: 'X', message: `answered ${status}` } }),
    );
    const get = { method: 'GET', path: '/' } as const;
    for (const transient of [502, 503, 504]) {
      status = transient;
      expect(await exitCodeOf(request({ url, token: 't' }, get))).toBe(TRY_AGAIN_EXIT_CODE);
    }
    for (const lasting of [400, 401, 404, 409, 500]) {
      status = lasting;
      expect(await exitCodeOf(request({ url, token: 't' }, get))).toBeUndefined();
    }
    const closed = url;
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    expect(await exitCodeOf(request({ url: closed, token: 't' }, get))).toBe(TRY_AGAIN_EXIT_CODE);
  });

  it('sends the bearer token and JSON, and parses the JSON answer', async () => {
    const url = await serve((req, body, res) =>
      sendJson(res, 200, {
        method: req.method,
        url: req.url,
        auth: req.headers.authorization,
        type: req.headers['content-type'],
        body: JSON.parse(body.toString()),
      }),
    );
    const answer = await request<Record<string, unknown>>(
      { url: `${url}/`, token: 't0k' },
      { method: 'PUT', path: '/a/b%20c', json: { x: 1 } },
    );
    expect(answer).toEqual({
      method: 'PUT',
      url: '/a/b%20c',
      auth: 'Bearer t0k',
      type: 'application/json',
      body: { x: 1 },
    });
  });

  it('sends raw bytes as application/octet-stream and returns undefined for 204', async () => {
    let seen: { type?: string; body?: string } = {};
    const url = await serve((req, body, res) => {
      seen = { type: req.headers['content-type'], body: body.toString() };
      res.writeHead(204).end();
    });
    const answer = await request(
      { url, token: 't' },
      { method: 'PUT', path: '/f', bytes: Buffer.from('raw') },
    );
    expect(answer).toBeUndefined();
    expect(seen).toEqual({ type: 'application/octet-stream', body: 'raw' });
  });

  it('turns an error answer into CLIENT_REQUEST_FAILED with the server message, details and status', async () => {
    const url = await serve((_req, _body, res) =>
      sendJson(res, 400, {
        error: {
          code: 'DEPLOY_CONFIG_INVALID',
          message: 'The deploy was rejected:\n  routes[0].route: must start with /',
          details: [
            { path: 'routes[0].route', message: 'must start with /' },
            { path: 'platform.apiRuntime', message: 'unknown runtime' },
          ],
        },
      }),
    );
    const error = await request({ url, token: 't' }, { method: 'POST', path: '/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PorticoError);
    expect(error).toMatchObject({ code: 'CLIENT_REQUEST_FAILED', status: 400, expose: true });
    expect((error as Error).message).toBe(
      'The deploy was rejected:\n  routes[0].route: must start with /\n  platform.apiRuntime: unknown runtime',
    );
    expect(serverErrorCode(error)).toBe('DEPLOY_CONFIG_INVALID');
  });

  it('describes answers that are not Portico errors', async () => {
    const url = await serve((_req, _body, res) => res.writeHead(502).end('Bad gateway'));
    await expect(request({ url, token: 't' }, { method: 'GET', path: '/y' })).rejects.toThrow(
      /answered 502 Bad Gateway to GET \/y: Bad gateway/,
    );
  });

  it('refuses a 200 answer that is not JSON (the wrong port)', async () => {
    const url = await serve((_req, _body, res) => res.writeHead(200).end('<html>'));
    await expect(request({ url, token: 't' }, { method: 'GET', path: '/' })).rejects.toMatchObject({
      code: 'CLIENT_REQUEST_FAILED',
    });
  });

  it('explains a server that cannot be reached', async () => {
    const url = await serve(() => {});
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const error = await request({ url, token: 't' }, { method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CLIENT_SERVER_UNREACHABLE' });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Cannot reach the Portico server at ${url} \\(.*ECONNREFUSED.*\\)\\. Is portico serve running\\? Set --url or PORTICO_URL\\.$`,
      ),
    );
    expect(serverErrorCode(error)).toBeUndefined();
  });
});

describe('formatServerError', () => {
  it('adds only the details the message does not already name', () => {
    expect(formatServerError('Bad.', [])).toBe('Bad.');
    expect(formatServerError('Bad: x is wrong', [{ path: 'a', message: 'x is wrong' }])).toBe(
      'Bad: x is wrong',
    );
    expect(formatServerError('Bad.', [{ path: 'a.b', message: 'y' }])).toBe('Bad.\n  a.b: y');
  });

  it('adds a detail whose words the message has, at another path', () => {
    const details = [
      { path: '$.a', message: 'must have x' },
      { path: '$.b', message: 'must have x' },
    ];
    expect(formatServerError('Bad: $.a: must have x (and 1 more, listed in details).', details)).toBe(
      'Bad: $.a: must have x (and 1 more, listed in details).\n  $.b: must have x',
    );
  });
});

describe('request with a file body', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-http-file-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams the file with its content-length as application/octet-stream', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 7);
    const path = join(dir, 'big.bin');
    await writeFile(path, data);
    const url = await serve((req, body, res) =>
      sendJson(res, 200, {
        length: req.headers['content-length'],
        type: req.headers['content-type'],
        same: body.equals(data),
      }),
    );
    const answer = await request(
      { url, token: 't' },
      { method: 'PUT', path: '/f', file: { path, size: data.length } },
    );
    expect(answer).toEqual({ length: String(data.length), type: 'application/octet-stream', same: true });
  });

  it('reports a refusal the server sends before the body is all sent, and stops sending', async () => {
    const path = join(dir, 'big.bin');
    await writeFile(path, randomBytes(16 * 1024 * 1024));
    let received = 0;
    server = createServer((req, res) => {
      req.once('data', (chunk: Buffer) => {
        received += chunk.length;
        sendJson(res, 413, { error: { code: 'DEPLOY_FILE_MISMATCH', message: 'larger than the 5 bytes' } });
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sent = request(
      { url, token: 't' },
      { method: 'PUT', path: '/f', file: { path, size: 16 * 1024 * 1024 } },
    );
    await expect(sent).rejects.toMatchObject({ code: 'CLIENT_REQUEST_FAILED', status: 413 });
    expect(received).toBeLessThan(16 * 1024 * 1024);
  });

  it('fails with CLIENT_FOLDER_UNREADABLE when the file is shorter than said or gone', async () => {
    const path = join(dir, 'short.bin');
    await writeFile(path, Buffer.from('short'));
    const url = await serve((_req, _body, res) => sendJson(res, 200, {}));
    const shorter = request({ url, token: 't' }, { method: 'PUT', path: '/f', file: { path, size: 10 } });
    await expect(shorter).rejects.toMatchObject({ code: 'CLIENT_FOLDER_UNREADABLE' });
    const gone = request(
      { url, token: 't' },
      { method: 'PUT', path: '/f', file: { path: join(dir, 'x'), size: 3 } },
    );
    await expect(gone).rejects.toMatchObject({ code: 'CLIENT_FOLDER_UNREADABLE' });
  });
});
