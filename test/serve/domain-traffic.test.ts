/**
 * Requests through a site's Ready custom domain count for the environment it serves (production): in
 * the site's traffic history (`GET {site}/traffic`, the portal's Metrics tab), in `/metrics` and in the
 * access log, as requests to the generated host name do. The domain is validated against a real DNS
 * server (pebble-challtestsrv on loopback, through --dns-server), as in custom-domains.test.ts.
 * @see QA finding "traffic served through a Ready custom domain is not attributed to the site"
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send, writeApp } from '../helpers/app.js';
import { startTestDns, type TestDns } from '../helpers/pebble.js';
import {
  ADMIN_TOKEN,
  createDeployedSite,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';
import { parsePrometheus, sampleValue } from '../ops/prometheus.js';

interface TrafficBody {
  properties: { environments: { name: string; totals: { requests: number; status4xx: number } }[] };
}

describe('custom domain traffic', () => {
  let t: TestService;
  let dns: TestDns;
  let logFile: string;

  const scrape = async () => {
    const response = await send(`${t.service.adminUrl}/metrics`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    return parsePrometheus(response.text);
  };
  const logLines = async () =>
    (await readFile(logFile, 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  beforeAll(async () => {
    dns = await startTestDns();
    logFile = `${await writeApp({})}/access.log`;
    t = await startTestService({ accessLog: logFile, extra: { dnsServer: dns.server } });
    const shop = await createDeployedSite(t, 'shop', { files: { 'index.html': '<h1>shop production</h1>' } });
    await dns.setCname('www.shop.example', shop);
    const added = await t.admin('PUT', `${SITES_PATH}/shop/customDomains/www.shop.example`, {
      properties: { validationMethod: 'cname-delegation' },
    });
    expect(added.json<{ properties: { status: string } }>().properties.status).toBe('Ready');
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await dns?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('counts requests through the domain for the site production environment', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i += 1) {
      const page = await t.get('www.shop.example', '/');
      expect(page.status).toBe(200);
      expect(page.text).toContain('shop production');
    }
    const missing = await t.get('www.shop.example', '/missing.html');
    expect(missing.status).toBe(404);

    const traffic = await t.admin('GET', `${SITES_PATH}/shop/traffic`);
    expect(traffic.status, traffic.text).toBe(200);
    const production = traffic
      .json<TrafficBody>()
      .properties.environments.find((e) => e.name === 'production');
    expect(production?.totals).toMatchObject({ requests: 4, status4xx: 1 });

    const after = await scrape();
    const delta = (labels: Record<string, string>) =>
      sampleValue(after, 'portico_http_requests_total', labels) -
      sampleValue(before, 'portico_http_requests_total', labels);
    const shopStatic = { site: 'shop', environment: 'production', kind: 'static' };
    expect(delta({ ...shopStatic, status_class: '2xx' })).toBe(3);
    expect(delta({ ...shopStatic, status_class: '4xx' })).toBe(1);
    expect(delta({ site: '', environment: '' })).toBe(0);

    const id = missing.header('x-ms-request-id');
    await eventually(async () => (await logLines()).some((line) => line.requestId === id));
    expect((await logLines()).find((line) => line.requestId === id)).toMatchObject({
      host: `www.shop.example:${t.service.port}`,
      site: 'shop',
      environment: 'production',
      kind: 'static',
      status: 404,
    });
  });
});
