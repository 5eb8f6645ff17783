/**
 * The HTTPS listener of `portico serve` over real TLS: the service certificate by SNI for every
 * `*.<domain>` host, reloaded when its files change; plain HTTP redirected (ACME challenges excepted);
 * `x-forwarded-proto: https` to the API; `Secure` session cookies.
 * @see issue 18 "HTTPS"
 */

import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { createTestCa, httpsRequest, type TestCa } from '../helpers/certificates.js';
import { startTestDns, type TestDns } from '../helpers/pebble.js';
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

/** A request written byte for byte (an absolute-form target, a Host no client library would send). */
function rawGet(port: number, target: string, host: string) {
  return new Promise<{ status: number; location?: string }>((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.on('end', () =>
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
        location: /\r\nlocation: ([^\r]*)/i.exec(text)?.[1],
      }),
    );
    socket.on('error', reject);
  });
}

/** The subject alternative names of the certificate served to a client that sends no SNI. */
function certificateWithoutSni(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // No servername: Node sends no SNI for an IP address.
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().subjectaltname ?? '');
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

describe('portico serve --https-port', () => {
  let t: TestService;
  const lines: string[] = [];
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
      logger: createLogger({ write: (line) => lines.push(line) }),
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

  it('serves the service certificate to a client that names no host (no SNI)', async () => {
    expect(await certificateWithoutSni(httpsPort())).toContain('DNS:*.portico.test');
  });

  it('redirects plain HTTP to HTTPS with 301, path and query kept', async () => {
    const answer = await plainGet(t.service.port, host, '/a/b?x=1&y=%20');
    expect(answer.status).toBe(301);
    expect(answer.location).toBe(`https://${host}:${httpsPort()}/a/b?x=1&y=%20`);
  });

  it('redirects only hosts it serves: 404 for any other, 400 for a Host that is no host name', async () => {
    const other = await rawGet(t.service.port, '/sub', 'evil.example');
    expect(other).toEqual({ status: 404, location: undefined });
    const userinfo = await rawGet(t.service.port, '/sub', `${host}:${t.service.port}@evil.example`);
    expect(userinfo).toEqual({ status: 400, location: undefined });
  });

  it('builds the redirect from the parsed request target, also in absolute form', async () => {
    const answer = await rawGet(t.service.port, `http://${host}/x?y=1`, host);
    expect(answer).toEqual({ status: 301, location: `https://${host}:${httpsPort()}/x?y=1` });
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
    const logged = lines.length;
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
    // Read once both files had changed: never the new key with the old certificate.
    expect(lines.slice(logged).filter((line) => line.includes('kept the previous'))).toEqual([]);
  });

  it('gives a client without SNI the replaced certificate too', async () => {
    let names = await certificateWithoutSni(httpsPort());
    while (!names.includes('DNS:renewed.example')) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      names = await certificateWithoutSni(httpsPort());
    }
    expect(names).toContain('DNS:*.portico.test');
  });

  it('keeps the certificate it serves when the files are replaced by an expired one, and says why', async () => {
    const served = await httpsRequest(httpsPort(), host, '/', ca.cert);
    const expired = await ca.issue(['portico.test', '*.portico.test', 'expired.example'], -1);
    const before = lines.length;
    // The first word after the renames, which write the key, then the certificate: a reload between the
    // two would pair the new key with the old certificate and warn of a mismatch instead.
    const kept = () =>
      lines.slice(before).find((line) => line.includes('kept the previous service certificate'));
    await writeFile(join(certDir, 'key.new'), expired.key);
    await writeFile(join(certDir, 'cert.new'), expired.cert);
    await rename(join(certDir, 'key.new'), join(certDir, 'key.pem'));
    await rename(join(certDir, 'cert.new'), join(certDir, 'cert.pem'));
    while (kept() === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(kept()).toContain('expired on');
    const after = await httpsRequest(httpsPort(), host, '/', ca.cert);
    expect(after.serial).toBe(served.serial);
    expect(after.status).toBe(200);
  });
});

describe('portico serve --https-port: a service certificate that cannot serve', () => {
  it('refuses to start with an expired certificate, saying so', async () => {
    const ca = await createTestCa();
    const dir = await mkdtemp(join(tmpdir(), 'portico-tls-'));
    try {
      const expired = await ca.issue(['*.portico.test'], -1);
      await writeFile(join(dir, 'cert.pem'), expired.cert);
      await writeFile(join(dir, 'key.pem'), expired.key);
      const https = { port: 0, certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
      await expect(startTestService({ extra: { https } })).rejects.toThrow(/\(--tls-cert\) expired on/);
    } finally {
      await removeData(dir);
    }
  });

  it('warns of a certificate that does not cover the generated host names', async () => {
    const ca = await createTestCa();
    const dir = await mkdtemp(join(tmpdir(), 'portico-tls-'));
    const lines: string[] = [];
    const t = await (async () => {
      const other = await ca.issue(['*.other.test']);
      await writeFile(join(dir, 'cert.pem'), other.cert);
      await writeFile(join(dir, 'key.pem'), other.key);
      return startTestService({
        logger: createLogger({ write: (line) => lines.push(line) }),
        extra: { https: { port: 0, certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } },
      });
    })();
    try {
      expect(lines.join('\n')).toContain('does not cover *.portico.test');
      // HTTPS would present *.other.test: the site's generated name is not sent there.
      const host = await createDeployedSite(t, 'uncovered', { files: { 'index.html': '<h1>plain</h1>' } });
      expect(await plainGet(t.service.port, host, '/')).toEqual({ status: 200, location: undefined });
    } finally {
      await t.close();
      await removeData(t.dataDir);
      await removeData(dir);
    }
  });
});

describe('portico serve --https-port under a one-label --domain', () => {
  it('says no certificate can cover its generated names, instead of asking for one that cannot exist', async () => {
    const ca = await createTestCa();
    const dir = await mkdtemp(join(tmpdir(), 'portico-tls-'));
    const lines: string[] = [];
    const issued = await ca.issue(['localhost', '*.localhost']);
    await writeFile(join(dir, 'cert.pem'), issued.cert);
    await writeFile(join(dir, 'key.pem'), issued.key);
    const t = await startTestService({
      logger: createLogger({ write: (line) => lines.push(line) }),
      extra: {
        domain: 'localhost',
        https: { port: 0, certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') },
      },
    });
    try {
      const log = lines.join('\n');
      expect(log).toContain(
        "no certificate can cover the sites' generated host names under --domain localhost",
      );
      expect(log).not.toContain('Use a certificate for *.localhost');
    } finally {
      await t.close();
      await removeData(t.dataDir);
      await removeData(dir);
    }
  });
});

describe('portico serve --https-port without the service certificate', () => {
  let t: TestService;
  let host: string;

  beforeAll(async () => {
    t = await startTestService({
      extra: {
        // No ACME server here: orders fail; only custom domains with a certificate would answer over HTTPS.
        https: {
          port: 0,
          acme: { directoryUrl: 'http://127.0.0.1:9/directory', checkIntervalMs: 3_600_000 },
        },
      },
    });
    host = await createDeployedSite(t, 'plain', { files: { 'index.html': '<h1>plain</h1>' } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('keeps the generated host names on plain HTTP instead of sending them to an HTTPS without a certificate', async () => {
    const answer = await plainGet(t.service.port, host, '/');
    expect(answer.status).toBe(200);
    expect(answer.location).toBeUndefined();
  });
});

describe('portico serve --https-port: a Ready custom domain whose certificate is not issued', () => {
  let t: TestService;
  let dns: TestDns;
  let certDir: string;

  beforeAll(async () => {
    dns = await startTestDns();
    const ca = await createTestCa();
    certDir = await mkdtemp(join(tmpdir(), 'portico-tls-'));
    const pair = await ca.issue(['portico.test', '*.portico.test']);
    await writeFile(join(certDir, 'cert.pem'), pair.cert);
    await writeFile(join(certDir, 'key.pem'), pair.key);
    t = await startTestService({
      extra: {
        dnsServer: dns.server,
        domainCheckIntervalMs: 200,
        https: {
          port: 0,
          certFile: join(certDir, 'cert.pem'),
          keyFile: join(certDir, 'key.pem'),
          // Nothing listens there: every order fails, as when the CA cannot reach the domain.
          acme: { directoryUrl: 'http://127.0.0.1:9/directory', checkIntervalMs: 200 },
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await dns?.close();
    await removeData(t?.dataDir ?? '');
    await removeData(certDir ?? '');
  });

  it('keeps it on plain HTTP, where HTTPS would present the wildcard certificate of another name', async () => {
    const host = await createDeployedSite(t, 'contoso', { files: { 'index.html': '<h1>contoso</h1>' } });
    await dns.setCname('www.contoso-tls.example', host);
    const domain = `${SITES_PATH}/contoso/customDomains/www.contoso-tls.example`;
    expect((await t.admin('PUT', domain, { properties: {} })).status).toBeLessThan(300);
    type Shown = { properties: { status: string; certificate?: { error?: string } | null } };
    let shown = (await t.admin('GET', domain)).json<Shown>();
    while (shown.properties.status !== 'Ready') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      shown = (await t.admin('GET', domain)).json<Shown>();
    }
    const answer = await plainGet(t.service.port, 'www.contoso-tls.example', '/');
    expect(answer).toEqual({ status: 200, location: undefined });
    // The generated name, which the service certificate covers, is still sent to HTTPS.
    expect((await plainGet(t.service.port, host, '/x')).status).toBe(301);
  });
});
