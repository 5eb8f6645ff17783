/**
 * What a function app ("bring your own" Functions, on `<name>.azurewebsites.<domain>`) is told of the
 * request: through its linked site's `/api`, the visitor's scheme, host and URL (Portico's proxy proves
 * the call is its own); called directly with a site token, only what its own connection shows, whatever
 * `x-forwarded-*` or `x-ms-original-url` the caller sends (decision 0095).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCa, httpsRequest, type TestCa } from '../helpers/certificates.js';
import {
  createDeployedSite,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
  uploadFunctionApp,
} from '../helpers/service.js';

const FUNCTION_APP_DIR = fileURLToPath(new URL('../fixtures/functionapp/api', import.meta.url));
const FUNCTION_HOST = 'inventory.azurewebsites.portico.test';

interface Seen {
  authToken: string;
  forwardedProto: string;
  forwardedHost: string;
  originalUrl: string;
  proof: string | null;
}

describe('portico serve: the forwarded facts a function app is told of', () => {
  let t: TestService;
  let ca: TestCa;
  let certDir: string;
  let host: string;
  const httpsPort = () => t.service.httpsPort ?? 0;

  beforeAll(async () => {
    ca = await createTestCa();
    certDir = await mkdtemp(join(tmpdir(), 'portico-tls-'));
    const pair = await ca.issue(['portico.test', '*.portico.test', '*.azurewebsites.portico.test']);
    await writeFile(join(certDir, 'cert.pem'), pair.cert);
    await writeFile(join(certDir, 'key.pem'), pair.key);
    t = await startTestService({
      extra: {
        https: { port: 0, certFile: join(certDir, 'cert.pem'), keyFile: join(certDir, 'key.pem') },
      },
    });
    host = await createDeployedSite(t, 'functions', { files: { 'index.html': '<h1>functions</h1>' } });
    const app = `${PROVIDERS_PATH}/Microsoft.Web/sites/inventory`;
    expect((await t.admin('PUT', app, { kind: 'functionapp', properties: {} })).status).toBe(201);
    expect((await uploadFunctionApp(t, 'inventory', FUNCTION_APP_DIR)).status).toBe(200);
    const linked = await t.admin('PUT', `${SITES_PATH}/functions/linkedBackends/inventory`, {
      properties: { backendResourceId: app, backendType: 'functionapp' },
    });
    expect(linked.status, linked.text).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
    await removeData(certDir ?? '');
  });

  it("through the site's /api over HTTPS: the visitor's scheme, host and URL, the proof never shown", async () => {
    const answer = await httpsRequest(httpsPort(), host, '/api/whoami?x=1', ca.cert);
    expect(answer.status, answer.body).toBe(200);
    const seen = JSON.parse(answer.body) as Seen;
    expect(seen.forwardedProto).toBe('https');
    expect(seen.forwardedHost).toBe(`${host}:${httpsPort()}`);
    expect(seen.originalUrl).toBe(`https://${host}:${httpsPort()}/api/whoami?x=1`);
    expect(seen.proof).toBeNull();
  }, 120_000);

  it('called directly over HTTPS with a site token: HTTPS, its own host, whatever fields the caller sends', async () => {
    const viaSite = await httpsRequest(httpsPort(), host, '/api/whoami', ca.cert);
    const token = (JSON.parse(viaSite.body) as Seen).authToken;
    const plain = await httpsRequest(httpsPort(), FUNCTION_HOST, '/api/whoami?y=2', ca.cert, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(plain.status, plain.body).toBe(200);
    const seen = JSON.parse(plain.body) as Seen;
    expect(seen.forwardedProto).toBe('https');
    expect(seen.originalUrl).toBe(`https://${FUNCTION_HOST}:${httpsPort()}/api/whoami?y=2`);
    const forged = await httpsRequest(httpsPort(), FUNCTION_HOST, '/api/whoami', ca.cert, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-forwarded-proto': 'http',
        'x-forwarded-host': 'evil.example',
        'x-ms-original-url': 'http://evil.example/reset',
        'x-portico-link-proof': 'made-up',
      },
    });
    const told = JSON.parse(forged.body) as Seen;
    expect(told.forwardedProto).toBe('https');
    expect(told.forwardedHost).toBe(`${FUNCTION_HOST}:${httpsPort()}`);
    expect(told.originalUrl).toBe(`https://${FUNCTION_HOST}:${httpsPort()}/api/whoami`);
    expect(told.proof).toBeNull();
  }, 120_000);
});
