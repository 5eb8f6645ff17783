/**
 * Traffic at a glance in a real browser (decision 0032): known traffic sent to a site and to a gateway
 * shows up in the site's Metrics tab (charts drawn by uPlot, served from node_modules, under the strict
 * CSP) and in the gateway's requests page, with the same figures in the tables beside the charts; both
 * fit a 390 px wide screen. The harness fails a test on any console error or CSP violation.
 * @see issue 15 item 4 "Traffic at a glance"
 */
import { describe, expect, it } from 'vitest';
import { type Backend, startBackend } from '../helpers/backend.js';
import { hasChromium } from '../helpers/chromium.js';
import { attribute, count, text, usePortal, visible } from '../helpers/portal.js';
import { createDeployedSite, PROVIDERS_PATH } from '../helpers/service.js';

const APIM = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service`;

describe.skipIf(!hasChromium('Portal traffic browser tests'))('portal traffic in Chromium', () => {
  const portal = usePortal();

  async function fitsWidth(): Promise<void> {
    await portal.resize(390, 844);
    const overflow = await portal.page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    const wide = await portal.page.evaluate(
      `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth).slice(0, 8).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(' | ')`,
    );
    expect(overflow, String(wide)).toBeLessThanOrEqual(0);
  }

  it("shows a site's requests, errors and p95 per environment as charts and a table", async () => {
    const host = await createDeployedSite(portal.t, 'traffic-site', {
      files: { 'index.html': '<h1>traffic</h1>' },
    });
    for (let i = 0; i < 6; i += 1) {
      expect((await portal.t.get(host, '/')).status).toBe(200);
    }
    for (let i = 0; i < 3; i += 1) {
      expect((await portal.t.get(host, '/missing.html')).status).toBe(404);
    }

    await portal.signIn('#/sites/traffic-site/metrics');
    await attribute(portal.page.getByTestId('tab-metrics'), 'aria-current').toBe('page');
    const row = portal.page.getByTestId('metrics-row-production');
    await text(row.getByRole('rowheader')).toBe('Production');
    await text(row.getByTestId('metrics-requests')).toBe('9');
    await text(row.getByTestId('metrics-4xx')).toBe('3');
    await text(row.getByTestId('metrics-5xx')).toBe('0');
    await text(row.getByTestId('metrics-error-rate')).toBe('0 %');
    await text(row.getByTestId('metrics-p95')).toMatch(/^[\d.,]+ ms$/);

    const charts = portal.page.getByTestId('metrics-environment-production').locator('figure');
    await count(charts).toBe(3);
    await count(portal.page.locator('[data-drawn="true"] canvas')).toBe(3);
    await text(charts.nth(0).locator('figcaption')).toBe('Requests (count)');
    await text(charts.nth(1).locator('figcaption')).toBe('Error rate (%)');
    await text(charts.nth(2).locator('figcaption')).toBe('p95 latency (ms)');

    // More traffic, then Refresh and the day's view count it too.
    expect((await portal.t.get(host, '/')).status).toBe(200);
    await portal.page.getByTestId('metrics-refresh').click();
    await text(row.getByTestId('metrics-requests')).toBe('10');
    await portal.page.getByTestId('metrics-window-day').click();
    await attribute(portal.page.getByTestId('metrics-window-day'), 'aria-pressed').toBe('true');
    await text(row.getByTestId('metrics-requests')).toBe('10');
    await count(portal.page.locator('[data-drawn="true"] canvas')).toBe(3);

    await fitsWidth();
    await visible(row).toBe(true);
  });

  it("shows a gateway's calls per API with the 401s, on its own page", async () => {
    const backend: Backend = await startBackend();
    try {
      const apim = await portal.t.admin('PUT', `${APIM}/traffic-apis`, { properties: {} });
      const gateway = apim.json<{ properties: { gatewayHostname: string } }>().properties.gatewayHostname;
      await portal.t.admin('PUT', `${APIM}/traffic-apis/apis/orders`, {
        properties: { path: 'orders', serviceUrl: backend.url, subscriptionRequired: false },
      });
      await portal.t.admin('PUT', `${APIM}/traffic-apis/apis/orders/operations/list`, {
        properties: { method: 'GET', urlTemplate: '/list' },
      });
      await portal.t.admin('PUT', `${APIM}/traffic-apis/apis/billing`, {
        properties: { path: 'billing', serviceUrl: backend.url },
      });
      await portal.t.admin('PUT', `${APIM}/traffic-apis/apis/billing/operations/due`, {
        properties: { method: 'GET', urlTemplate: '/due' },
      });
      for (let i = 0; i < 4; i += 1) {
        expect((await portal.t.get(gateway, '/orders/list')).status).toBe(200);
      }
      for (let i = 0; i < 2; i += 1) {
        expect((await portal.t.get(gateway, '/billing/due')).status).toBe(401);
      }

      await portal.signIn('#/apim/traffic-apis/traffic');
      await text(portal.page.getByTestId('service-title')).toBe('traffic-apis');
      const orders = portal.page.getByTestId('gateway-traffic-row-orders');
      await text(orders.getByTestId('gateway-calls')).toBe('4');
      await text(orders.getByTestId('gateway-401')).toBe('0');
      const billing = portal.page.getByTestId('gateway-traffic-row-billing');
      await text(billing.getByTestId('gateway-calls')).toBe('2');
      await text(billing.getByTestId('gateway-401')).toBe('2');
      await text(billing.getByTestId('gateway-429')).toBe('0');
      await count(
        portal.page.locator('[data-testid="gateway-traffic-chart"] [data-drawn="true"] canvas'),
      ).toBe(1);

      await fitsWidth();
      await visible(billing).toBe(true);
    } finally {
      await backend.close();
    }
  });
});
