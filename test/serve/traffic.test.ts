/**
 * The traffic REST reads of `portico serve` (decision 0032) against real traffic on real sockets:
 * `GET {site}/traffic` counts what the site's hosts answered (requests, 4xx, 5xx, p95) per environment,
 * `GET {service}/traffic` counts gateway calls per API with their 401s; windows, errors and the token.
 * @see issue 15 item 4 "Traffic at a glance"
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startBackend } from '../helpers/backend.js';
import {
  createDeployedSite,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const APIM = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service`;

interface SitePoint {
  time: string;
  requests: number;
  status4xx: number;
  status5xx: number;
  p95Ms: number | null;
}
interface SiteTrafficBody {
  id: string;
  type: string;
  properties: {
    window: string;
    interval: string;
    start: string;
    end: string;
    environments: {
      name: string;
      buildName: string;
      isProduction: boolean;
      totals: Omit<SitePoint, 'time'>;
      points: SitePoint[];
    }[];
  };
}
interface ServiceTrafficBody {
  properties: {
    window: string;
    apis: {
      api: string;
      totals: Record<string, number>;
      points: ({ time: string } & Record<string, number>)[];
    }[];
  };
}

describe('portico serve: traffic at a glance over REST', () => {
  let t: TestService;
  let backend: Backend;
  let host: string;
  let gatewayHost: string;

  beforeAll(async () => {
    t = await startTestService();
    backend = await startBackend();
    host = await createDeployedSite(t, 'shop', { files: { 'index.html': '<h1>shop</h1>' } });
    const apim = await t.admin('PUT', `${APIM}/contoso`, { properties: {} });
    gatewayHost = apim.json<{ properties: { gatewayHostname: string } }>().properties.gatewayHostname;
    const api = await t.admin('PUT', `${APIM}/contoso/apis/orders`, {
      properties: { path: 'orders', serviceUrl: backend.url },
    });
    expect(api.status, api.text).toBe(201);
    const operation = await t.admin('PUT', `${APIM}/contoso/apis/orders/operations/list`, {
      properties: { method: 'GET', urlTemplate: '/list' },
    });
    expect(operation.status, operation.text).toBe(201);
  }, 30_000);
  afterAll(async () => {
    await backend?.close();
    await t?.close();
    await removeData(t.dataDir);
  });

  it('counts what the site answered in the current minute: requests, 4xx and p95', async () => {
    for (let i = 0; i < 5; i += 1) {
      expect((await t.get(host, '/')).status).toBe(200);
    }
    for (let i = 0; i < 2; i += 1) {
      expect((await t.get(host, '/missing.html')).status).toBe(404);
    }
    const answer = await t.admin('GET', `${SITES_PATH}/shop/traffic`);
    expect(answer.status, answer.text).toBe(200);
    const body = answer.json<SiteTrafficBody>();
    expect(body.id).toBe(`${SITES_PATH}/shop/traffic`);
    expect(body.properties).toMatchObject({ window: 'hour', interval: 'PT1M' });
    const [production] = body.properties.environments;
    expect(production).toMatchObject({ name: 'production', buildName: 'default', isProduction: true });
    expect(production?.totals).toMatchObject({ requests: 7, status4xx: 2, status5xx: 0 });
    expect(production?.totals.p95Ms).toBeGreaterThan(0);
    expect(production?.points).toHaveLength(60);
    const busy = production?.points.filter((p) => p.requests > 0) ?? [];
    expect(busy.reduce((sum, p) => sum + p.requests, 0)).toBe(7);
    expect(Date.parse(body.properties.end)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('answers a day in quarter hours', async () => {
    const answer = await t.admin('GET', `${SITES_PATH}/shop/traffic?window=day`);
    expect(answer.status, answer.text).toBe(200);
    const body = answer.json<SiteTrafficBody>();
    expect(body.properties).toMatchObject({ window: 'day', interval: 'PT15M' });
    expect(body.properties.environments[0]?.points).toHaveLength(96);
    expect(body.properties.environments[0]?.totals.requests).toBeGreaterThanOrEqual(7);
  });

  it('counts gateway calls per API with their 401s, and calls that matched no API', async () => {
    for (let i = 0; i < 3; i += 1) {
      expect((await t.get(gatewayHost, '/orders/list')).status).toBe(401);
    }
    expect((await t.get(gatewayHost, '/nothing-here')).status).toBe(404);
    const answer = await t.admin('GET', `${APIM}/contoso/traffic`);
    expect(answer.status, answer.text).toBe(200);
    const apis = answer.json<ServiceTrafficBody>().properties.apis;
    expect(Object.fromEntries(apis.map((api) => [api.api, api.totals]))).toEqual({
      orders: { calls: 3, status401: 3, status403: 0, status429: 0, status5xx: 0 },
      '': { calls: 1, status401: 0, status403: 0, status429: 0, status5xx: 0 },
    });
    // Gateway calls are the service's traffic, not a site's.
    const site = (await t.admin('GET', `${SITES_PATH}/shop/traffic`)).json<SiteTrafficBody>();
    expect(site.properties.environments[0]?.totals.requests).toBe(7);
  });

  it('refuses an unknown window, an unknown site or service, and a call without the admin token', async () => {
    const window = await t.admin('GET', `${SITES_PATH}/shop/traffic?window=week`);
    expect(window.status).toBe(400);
    expect(window.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'CONTROL_BAD_REQUEST',
      message: expect.stringContaining('use hour'),
    });
    expect((await t.admin('GET', `${SITES_PATH}/nope/traffic`)).status).toBe(404);
    expect((await t.admin('GET', `${APIM}/nope/traffic`)).status).toBe(404);
    expect((await t.admin('GET', `${SITES_PATH}/shop/traffic`, undefined, 'wrong-token')).status).toBe(401);
  });

  it('lists both reads in /openapi.json', async () => {
    const openapi = (await t.admin('GET', '/openapi.json')).json<{ paths: Record<string, unknown> }>();
    const paths = Object.keys(openapi.paths).filter((path) => path.endsWith('/traffic'));
    expect(paths).toHaveLength(2);
  });
});
