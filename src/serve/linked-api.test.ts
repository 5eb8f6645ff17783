import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test/helpers/functions-host.js';
import type { ResolvedLink, ServingEntry } from '../control-plane/index.js';
import { createLinkedApi, type LinkedApiDeps } from './linked-api.js';
import type { TokenService } from './tokens.js';

const ENTRY: ServingEntry = {
  hostname: 'shop.portico.test',
  siteId: 'site-1',
  siteName: 'shop',
  sku: 'Standard',
  environmentId: 'env-1',
  environmentName: 'default',
  activeDeploymentId: null,
};

/** Signs nothing: every token is `token-for-<audience>`, so a test sees which audience was asked for. */
const TOKENS = {
  cached: () => undefined,
  mint: async (_siteId: string, _hostname: string, audience: string) => `token-for-${audience}`,
} as unknown as TokenService;

describe('a linked backend’s platform call (the roles function at sign-in)', () => {
  let backend: Server;
  let origin: string;
  const received: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    backend = createServer((req, res) => {
      received.push(req.headers);
      res.end('{"roles":[]}');
    }).listen(0, '127.0.0.1');
    await once(backend, 'listening');
    origin = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => backend.close(() => resolve())));

  const deps = (): LinkedApiDeps => ({
    tokens: TOKENS,
    loopbackOrigin: () => origin,
    loopbackAddress: '127.0.0.1',
    publicUrl: (hostname) => `http://${hostname}:8080`,
    timeoutMs: 5_000,
    logger: recordingLogger(),
  });

  async function callThrough(link: ResolvedLink): Promise<IncomingHttpHeaders> {
    const api = createLinkedApi(ENTRY, link, deps());
    try {
      const answer = await api.call({
        method: 'POST',
        pathAndQuery: '/api/GetRoles',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(answer.status).toBe(200);
    } finally {
      await api.close();
    }
    return received.at(-1) as IncomingHttpHeaders;
  }

  it('carries the site’s token twice and, to a gateway, the link’s key, as a proxied call does', async () => {
    const headers = await callThrough({
      type: 'apim',
      gatewayHostname: 'contoso.azure-api.localhost',
      subscriptionKey: 'link-key',
    });
    const token = 'token-for-http://contoso.azure-api.localhost:8080';
    expect(headers).toMatchObject({
      host: 'contoso.azure-api.localhost',
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'x-ms-auth-token': token,
      'ocp-apim-subscription-key': 'link-key',
    });
  });

  it('sends no subscription key to a backend that is not a gateway', async () => {
    const headers = await callThrough({ type: 'webapp', backendUrl: origin });
    expect(headers.authorization).toBe(`Bearer token-for-${origin}`);
    expect(headers['x-ms-auth-token']).toBe(`token-for-${origin}`);
    expect(headers).not.toHaveProperty('ocp-apim-subscription-key');
  });
});
