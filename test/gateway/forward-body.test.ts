/**
 * The backend's body through `forward-request` (decision 0034): it reaches the caller byte for byte while
 * the outbound policies change the head, a body the backend cuts short cuts the caller's answer, a
 * caller who leaves mid-body ends the backend call, and a body that is not sent (fail-on-error-status-code
 * with on-error) is dropped without holding the call up. Real sockets, real SQLite, a real backend.
 * @see spec/apim.md §2.1; issue 16 item 3
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/edge/index.js';
import { PROVIDERS_PATH, removeData, startTestService, type TestService } from '../helpers/service.js';

const SVC = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/fwd`;
const HOST = 'fwd.azure-api.portico.test';
/** Several times the socket buffers, so the copy has to wait for the caller (back-pressure). */
const BIG = randomBytes(8 * 1024 * 1024);

/** More than the part of a body held while the outbound policies run (`HOLD_BYTES`, 16 KiB). */
const CHUNKS = randomBytes(24 * 1024);

/** What a raw call saw: status, headers, the bytes received, and whether the answer completed. */
interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly complete: boolean;
}

describe('forward-request bodies over real sockets', () => {
  let t: TestService;
  let backend: Server;
  let backendUrl = '';
  /** Resolves when the backend's `/endless` answer is closed before it finished. */
  let endlessClosed: Promise<boolean> = Promise.resolve(false);

  function endless(res: ServerResponse): void {
    endlessClosed = new Promise((resolve) => {
      res.on('close', () => resolve(!res.writableFinished));
    });
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const timer = setInterval(() => res.write(randomBytes(1024)), 5);
    res.on('close', () => clearInterval(timer));
  }

  function answer(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path === '/api/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-from-backend': 'yes' });
      res.end(BIG);
    } else if (path === '/api/small') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '14' });
      res.end('a small answer');
    } else if (path === '/api/chunks') {
      // Chunked, in pieces that cross the part of a body held while the outbound policies run.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < CHUNKS.length; i += 512) {
        res.write(CHUNKS.subarray(i, i + 512));
      }
      setTimeout(() => res.end(CHUNKS), 20);
    } else if (path === '/api/cut') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(100, 1), () => res.socket?.destroy());
    } else if (path === '/api/endless') {
      endless(res);
    } else if (path === '/api/fail') {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('backend body that must not reach the caller');
    } else {
      res.writeHead(404);
      res.end();
    }
  }

  function call(path: string, options: { readBytes?: number } = {}): Promise<RawAnswer> {
    return new Promise((resolve) => {
      const url = new URL(path, t.service.url);
      const req = request(url, { headers: { host: `${HOST}:${t.service.port}` } }, (res) => {
        const chunks: Buffer[] = [];
        let received = 0;
        const done = (complete: boolean) =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            complete,
          });
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          received += chunk.length;
          if (options.readBytes !== undefined && received >= options.readBytes) {
            req.destroy();
            done(false);
          }
        });
        res.on('end', () => done(res.complete));
        res.on('error', () => done(false));
        res.on('aborted', () => done(false));
      });
      // A connection cut before any answer is an incomplete answer too.
      req.on('error', () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false }));
      req.end();
    });
  }

  async function put(path: string, properties?: unknown): Promise<void> {
    const response = await t.admin(
      'PUT',
      `${SVC}${path}`,
      properties === undefined ? undefined : { properties },
    );
    expect([200, 201], `${path}: ${response.text}`).toContain(response.status);
  }

  beforeAll(async () => {
    t = await startTestService();
    backend = createServer(answer);
    backendUrl = `http://127.0.0.1:${await listen(backend, 0, '127.0.0.1')}`;
    expect((await t.admin('PUT', SVC, { properties: {} })).status).toBe(201);
    await put('/apis/files', { path: 'files', serviceUrl: `${backendUrl}/api`, subscriptionRequired: false });
    await put('/apis/files/operations/all', { method: 'GET', urlTemplate: '/*' });
    await put('/apis/files/policies/policy', {
      format: 'rawxml',
      value: [
        '<policies>',
        '  <inbound><base /></inbound>',
        '  <backend><forward-request timeout="30" /></backend>',
        '  <outbound><set-header name="X-Outbound" exists-action="override"><value>ran</value></set-header></outbound>',
        '</policies>',
      ].join('\n'),
    });
    await put('/apis/strict', {
      path: 'strict',
      serviceUrl: `${backendUrl}/api`,
      subscriptionRequired: false,
    });
    await put('/apis/strict/operations/all', { method: 'GET', urlTemplate: '/*' });
    await put('/apis/strict/policies/policy', {
      format: 'rawxml',
      value: [
        '<policies>',
        '  <backend><forward-request fail-on-error-status-code="true" /></backend>',
        '  <on-error><return-response><set-status code="502" /><set-body>replaced</set-body></return-response></on-error>',
        '</policies>',
      ].join('\n'),
    });
  });

  afterAll(async () => {
    await t?.close();
    if (backend !== undefined) {
      backend.closeAllConnections();
      await closeServer(backend);
    }
    await removeData(t?.dataDir ?? '');
  });

  it('passes a large body through byte for byte, with the outbound policies applied to its head', async () => {
    const answered = await call('/files/big');
    expect(answered.status).toBe(200);
    expect(answered.complete).toBe(true);
    expect(answered.headers['x-from-backend']).toBe('yes');
    expect(answered.headers['x-outbound']).toBe('ran');
    expect(answered.body.length).toBe(BIG.length);
    expect(createHash('sha256').update(answered.body).digest('hex')).toBe(
      createHash('sha256').update(BIG).digest('hex'),
    );
  });

  /** @see decision 0037: a small body is held, not paused on the socket, while the policies run. */
  it('passes a small body and a body in many pieces through whole, after the outbound policies', async () => {
    const small = await call('/files/small');
    expect(small.complete).toBe(true);
    expect(small.headers['x-outbound']).toBe('ran');
    expect(small.headers['content-length']).toBe('14');
    expect(small.body.toString()).toBe('a small answer');
    const pieces = await call('/files/chunks');
    expect(pieces.complete).toBe(true);
    expect(pieces.headers['x-outbound']).toBe('ran');
    expect(pieces.headers['transfer-encoding']).toBe('chunked');
    expect(pieces.body.equals(Buffer.concat([CHUNKS, CHUNKS]))).toBe(true);
  });

  it('cuts the answer when the backend cuts its body short, and keeps serving', async () => {
    const answered = await call('/files/cut');
    expect(answered.complete).toBe(false);
    expect(answered.body.length).toBeLessThan(1000);
    expect((await call('/files/big')).complete).toBe(true);
  });

  it('ends the backend call when the caller goes away in the middle of the body', async () => {
    const answered = await call('/files/endless', { readBytes: 4096 });
    expect(answered.status).toBe(200);
    expect(await endlessClosed).toBe(true);
  });

  it('drops the body of an error answer that on-error replaced, and the backend stays usable', async () => {
    for (let i = 0; i < 3; i += 1) {
      const answered = await call('/strict/fail');
      expect(answered.status).toBe(502);
      expect(answered.body.toString()).toBe('replaced');
    }
    const big = await call('/strict/big');
    expect(big.status).toBe(200);
    expect(big.body.length).toBe(BIG.length);
  });
});
