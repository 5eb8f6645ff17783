/**
 * Certificates per custom domain on the HTTPS listener, over real TLS: two custom domains with uploaded
 * certificates and the service certificate for generated host names, each chosen by SNI; uploads that
 * cannot be used are refused and change nothing.
 * @see issue 18 "HTTPS", "Certificates by ACME" (an operator may upload a certificate instead)
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCa, httpsRequest, type TestCa } from '../helpers/certificates.js';
import { startTestDns, type TestDns } from '../helpers/pebble.js';
import {
  createDeployedSite,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

describe('certificates of custom domains', () => {
  let t: TestService;
  let dns: TestDns;
  let ca: TestCa;
  let certDir: string;
  let host: string;
  const port = () => t.service.httpsPort ?? 0;
  const upload = (domain: string, certificate: string, privateKey: string) =>
    t.admin('PUT', `${SITES_PATH}/shop/customDomains/${domain}/certificate`, {
      properties: { certificate, privateKey },
    });

  beforeAll(async () => {
    ca = await createTestCa();
    dns = await startTestDns();
    certDir = await mkdtemp(join(tmpdir(), 'portico-tls-'));
    const service = await ca.issue(['portico.test', '*.portico.test']);
    await writeFile(join(certDir, 'cert.pem'), service.cert);
    await writeFile(join(certDir, 'key.pem'), service.key);
    t = await startTestService({
      extra: {
        dnsServer: dns.server,
        https: {
          port: 0,
          certFile: join(certDir, 'cert.pem'),
          keyFile: join(certDir, 'key.pem'),
          // No ACME server here: orders fail (and are retried hourly); uploads are what is served.
          acme: { directoryUrl: 'http://127.0.0.1:9/directory', checkIntervalMs: 3_600_000 },
        },
      },
    });
    host = await createDeployedSite(t, 'shop', { files: { 'index.html': '<h1>shop</h1>' } });
    for (const domain of ['www.shop.example', 'shop.example.org']) {
      await dns.setCname(domain, host);
      const added = await t.admin('PUT', `${SITES_PATH}/shop/customDomains/${domain}`, { properties: {} });
      expect(added.json<{ properties: { status: string } }>().properties.status).toBe('Ready');
    }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await dns?.close();
    await removeData(t?.dataDir ?? '');
    await removeData(certDir ?? '');
  });

  it('serves each custom domain its own certificate and generated names the service certificate, by SNI', async () => {
    for (const domain of ['www.shop.example', 'shop.example.org']) {
      const pair = await ca.issue([domain]);
      const uploaded = await upload(domain, pair.cert, pair.key);
      expect(uploaded.status).toBe(200);
      expect(uploaded.json<{ properties: { certificate: unknown } }>().properties.certificate).toMatchObject({
        source: 'uploaded',
      });
    }
    const www = await httpsRequest(port(), 'www.shop.example', '/', ca.cert);
    expect(www.altNames).toBe('DNS:www.shop.example');
    expect(www.body).toContain('shop');
    const org = await httpsRequest(port(), 'shop.example.org', '/', ca.cert);
    expect(org.altNames).toBe('DNS:shop.example.org');
    const generated = await httpsRequest(port(), host, '/', ca.cert);
    expect(generated.altNames).toContain('DNS:*.portico.test');
  });

  it('refuses a certificate whose key does not match, that does not cover the domain, or that expired', async () => {
    const good = await ca.issue(['www.shop.example']);
    const other = await ca.issue(['www.shop.example']);
    const mismatch = await upload('www.shop.example', good.cert, other.key);
    expect(mismatch.status).toBe(400);
    expect(mismatch.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'TLS_CERTIFICATE_INVALID',
      message: expect.stringContaining('does not belong'),
    });
    const wrongName = await ca.issue(['elsewhere.example']);
    const uncovered = await upload('www.shop.example', wrongName.cert, wrongName.key);
    expect(uncovered.json<{ error: { message: string } }>().error.message).toContain(
      'does not cover www.shop.example',
    );
    const old = await ca.issue(['www.shop.example'], -1);
    const expired = await upload('www.shop.example', old.cert, old.key);
    expect(expired.json<{ error: { message: string } }>().error.message).toContain('expired');
    const brokenChain = await upload(
      'www.shop.example',
      `${good.cert}\n-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n`,
      good.key,
    );
    expect(brokenChain.status).toBe(400);
    expect(brokenChain.json<{ error: { message: string } }>().error.message).toContain(
      'the certificate chain does not load',
    );
    const garbage = await upload('www.shop.example', 'not a certificate', good.key);
    expect(garbage.json<{ error: { message: string } }>().error.message).toContain('not a PEM certificate');
    // Nothing changed: the earlier upload is still served.
    const served = await httpsRequest(port(), 'www.shop.example', '/', ca.cert);
    expect(served.status).toBe(200);
    expect(served.serial).not.toBe('');
  });

  it('forgets a deleted site’s certificates: the next site to add its domain does not get them', async () => {
    const gone = await createDeployedSite(t, 'gone', { files: { 'index.html': '<h1>gone</h1>' } });
    await dns.setCname('www.gone.example', gone);
    await t.admin('PUT', `${SITES_PATH}/gone/customDomains/www.gone.example`, { properties: {} });
    const pair = await ca.issue(['www.gone.example']);
    const uploaded = await t.admin('PUT', `${SITES_PATH}/gone/customDomains/www.gone.example/certificate`, {
      properties: { certificate: pair.cert, privateKey: pair.key },
    });
    expect(uploaded.status, uploaded.text).toBe(200);
    expect((await t.admin('DELETE', `${SITES_PATH}/gone`)).status).toBeLessThan(300);

    const next = await createDeployedSite(t, 'next', { files: { 'index.html': '<h1>next</h1>' } });
    await dns.setCname('www.gone.example', next);
    const added = await t.admin('PUT', `${SITES_PATH}/next/customDomains/www.gone.example`, {
      properties: {},
    });
    expect(added.status, added.text).toBe(200);
    const shown = await t.admin('GET', `${SITES_PATH}/next/customDomains/www.gone.example`);
    expect(shown.json<{ properties: { certificate?: unknown } }>().properties.certificate ?? null).toBeNull();
    // Over TLS the domain gets the service certificate, not the deleted site's.
    const served = await httpsRequest(port(), 'www.gone.example', '/', ca.cert).catch(
      (error: Error) => error,
    );
    expect(served instanceof Error ? '' : served.altNames).not.toContain('www.gone.example');
  });
});
