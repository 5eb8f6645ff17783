/**
 * The HTTPS listener of `portico serve` over real TLS: the service certificate by SNI for every
 * `*.<domain>` host, reloaded when its files change; plain HTTP redirected (ACME challenges excepted);
 * `x-forwarded-proto: https` to the API; `Secure` session cookies.
 * @see issue 18 "HTTPS"
 */

import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { createTestCa, httpsRequest, type TestCa } from '../helpers/certificates.js';
import {
  createDeployedSite,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

function plainGet(port: number, hostname: string, path: string) {
  return new Promise<{ status: number; location?: string }>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, headers: { host: `${hostname}:${port}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('portico serve --https-port', () => {
  let t: TestService;
  let ca: TestCa;
  let certDir: string;
  let host: string;
  let backend: Backend;

  const httpsPort = () => t.service.httpsPort ?? 0;

  beforeAll(async () => {
    ca = await createTestCa();
    certDir = await mkdtemp(join(tmpdir(), 'portico-tls-'));
    const pair = await ca.issue(['portico.test', '*.portico.test']);
    await writeFile(join(certDir, 'cert.pem'), pair.cert);
    await writeFile(join(certDir, 'key.pem'), pair.key);
    t = await startTestService({
      providers: { github: { clientId: 'id', clientSecret: 'secret' } },
      extra: {
        https: { port: 0, certFile: join(certDir, 'cert.pem'), keyFile: join(certDir, 'key.pem') },
      },
    });
    backend = await startBackend();
    host = await createDeployedSite(t, 'secure', { files: { 'index.html': '<h1>secure</h1>' } });
    const web = `${PROVIDERS_PATH}/Microsoft.Web/sites/echo`;
    expect((await t.admin('PUT', web, { kind: 'app', properties: { backendUrl: backend.url } })).status).toBe(
      201,
    );
    const linked = await t.admin('PUT', `${SITES_PATH}/secure/linkedBackends/echo`, {
      properties: { backendResourceId: web, backendType: 'webapp' },
    });
    expect(linked.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
    await removeData(certDir ?? '');
  });

  it('serves a site over TLS 1.2+ with the service certificate chosen by SNI', async () => {
    const answer = await httpsRequest(httpsPort(), host, '/', ca.cert);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('secure');
    expect(answer.altNames).toContain('DNS:*.portico.test');
    expect(['TLSv1.2', 'TLSv1.3']).toContain(answer.protocol);
  });

  it('redirects plain HTTP to HTTPS with 301, path and query kept', async () => {
    const answer = await plainGet(t.service.port, host, '/a/b?x=1&y=%20');
    expect(answer.status).toBe(301);
    expect(answer.location).toBe(`https://${host}:${httpsPort()}/a/b?x=1&y=%20`);
  });

  it('does not redirect ACME HTTP-01 challenge URLs', async () => {
    const answer = await plainGet(t.service.port, host, '/.well-known/acme-challenge/unknown-token');
    expect(answer.status).toBe(404);
  });

  it('tells the API the request came over HTTPS', async () => {
    const answer = await httpsRequest(httpsPort(), host, '/api/who', ca.cert);
    expect(answer.status).toBe(200);
    const seen = backend.requests.at(-1) as EchoRequest;
    expect(seen.headers['x-forwarded-proto']).toBe('https');
  });

  it('marks sign-in cookies Secure over HTTPS', async () => {
    const answer = await httpsRequest(httpsPort(), host, '/.auth/login/github', ca.cert);
    expect(answer.status).toBe(302);
    const cookies = [answer.headers['set-cookie'] ?? []].flat();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      expect(cookie).toContain('; Secure');
    }
  });

  it('serves a replaced certificate on the next handshakes without a restart', async () => {
    const before = await httpsRequest(httpsPort(), host, '/', ca.cert);
    const next = await ca.issue(['portico.test', '*.portico.test', 'renewed.example']);
    // Written aside and renamed into place, as certbot and cert-manager do.
    await writeFile(join(certDir, 'key.new'), next.key);
    await writeFile(join(certDir, 'cert.new'), next.cert);
    await rename(join(certDir, 'key.new'), join(certDir, 'key.pem'));
    await rename(join(certDir, 'cert.new'), join(certDir, 'cert.pem'));
    let answer = before;
    while (answer.serial === before.serial || answer.status === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await httpsRequest(httpsPort(), host, '/', ca.cert).catch(() => before);
    }
    expect(answer.altNames).toContain('DNS:renewed.example');
    expect(answer.status).toBe(200);
  });
});
