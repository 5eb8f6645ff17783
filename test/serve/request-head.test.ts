/**
 * Step 0 of the pipeline in `portico serve`, over raw sockets on the plain and the HTTPS listener:
 * requests Node's parser lets through, or stops in ways that lost the answer, get complete answers, as
 * `portico start` gives them (test/edge/request-head.test.ts). Decision 0119.
 * @see a tester's raw-HTTP report on serve and start (proto-edge)
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startBackend } from '../helpers/backend.js';
import { createTestCa } from '../helpers/certificates.js';
import { exchangeRaw, firstBody, statusLines } from '../helpers/raw-http.js';
import {
  createDeployedSite,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

/** Writes a certificate for the service's domain; returns the folder holding cert.pem and key.pem. */
async function serviceCertificate(): Promise<string> {
  const ca = await createTestCa();
  const dir = await mkdtemp(join(tmpdir(), 'portico-tls-'));
  const pair = await ca.issue(['portico.test', '*.portico.test']);
  await writeFile(join(dir, 'cert.pem'), pair.cert);
  await writeFile(join(dir, 'key.pem'), pair.key);
  return dir;
}

describe.each(['http', 'https'] as const)('portico serve over %s', (scheme) => {
  let t: TestService;
  let backend: Backend;
  let certDir: string | undefined;
  let host: string;
  let port: number;

  /** One raw exchange with the listener under test, over TLS with the site's name for https. */
  const exchange = (bytes: string) =>
    exchangeRaw(port, bytes, scheme === 'https' ? { servername: host } : {});
  const apiCallsSince = (before: number) => backend.requests.slice(before).map((seen) => seen.url);

  beforeAll(async () => {
    certDir = scheme === 'https' ? await serviceCertificate() : undefined;
    t = await startTestService(
      certDir === undefined
        ? {}
        : {
            extra: {
              https: { port: 0, certFile: join(certDir, 'cert.pem'), keyFile: join(certDir, 'key.pem') },
            },
          },
    );
    backend = await startBackend();
    host = await createDeployedSite(t, 'raw', { files: { 'index.html': 'home' } });
    const web = `${PROVIDERS_PATH}/Microsoft.Web/sites/echo`;
    const created = await t.admin('PUT', web, { kind: 'app', properties: { backendUrl: backend.url } });
    expect(created.status).toBe(201);
    const linked = await t.admin('PUT', `${SITES_PATH}/raw/linkedBackends/echo`, {
      properties: { backendResourceId: web, backendType: 'webapp' },
    });
    expect(linked.status).toBe(200);
    port = scheme === 'https' ? (t.service.httpsPort ?? 0) : t.service.port;
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
    await removeData(certDir ?? '');
  });

  it('answers a request followed by bytes after Connection: close, and runs only that request', async () => {
    const before = backend.requests.length;
    const next = `GET /api/next HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    const api = await exchange(
      `POST /api/order HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello${next}`,
    );
    expect(statusLines(api)).toEqual(['HTTP/1.1 200 OK']);
    expect(JSON.parse(firstBody(api))).toMatchObject({ method: 'POST', url: '/api/order', body: 'hello' });
    expect(apiCallsSince(before)).toEqual(['/api/order']);
    const page = await exchange(`GET /index.html HTTP/1.0\r\nHost: ${host}\r\n\r\n${next}`);
    expect(statusLines(page)).toEqual(['HTTP/1.1 200 OK']);
    expect(firstBody(page)).toBe('home');
  });

  it('answers CONNECT with a complete 501', async () => {
    const text = await exchange(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`);
    expect(statusLines(text)).toEqual(['HTTP/1.1 501 Not Implemented']);
  });

  it('refuses an absolute-form target naming another host than Host', async () => {
    const text = await exchange(
      `GET http://evil.example/ HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 400 Bad Request']);
  });

  it("serves an HTTP/1.0 absolute-form request without Host as its target's site", async () => {
    const text = await exchange(`GET ${scheme}://${host}/index.html HTTP/1.0\r\n\r\n`);
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
    expect(firstBody(text)).toBe('home');
  });

  it('answers a transfer coding other than chunked alone with 501, without calling the API', async () => {
    const before = backend.requests.length;
    const text = await exchange(
      `POST /api/x HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 501 Not Implemented']);
    expect(apiCallsSince(before)).toEqual([]);
  });

  it.each(['65536', '0', '99999', '099'])('refuses the Host port %s with 400', async (hostPort) => {
    const text = await exchange(`GET / HTTP/1.1\r\nHost: ${host}:${hostPort}\r\nConnection: close\r\n\r\n`);
    expect(statusLines(text)).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(firstBody(text)).toContain('port in the Host field');
  });

  it('answers OPTIONS * with 204', async () => {
    const text = await exchange(`OPTIONS * HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(statusLines(text)).toEqual(['HTTP/1.1 204 No Content']);
  });
});
