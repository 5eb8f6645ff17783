/**
 * `@azure/arm-appservice` linking backends to a real `portico serve`: link, get, list, validate and
 * unlink, at site level (production) and per build, with the name chosen at link time kept.
 * @see issue 19 item 1
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp } from '../helpers/app.js';
import {
  deployFolders,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH as SITES,
  startTestService,
  type TestService,
} from '../helpers/service.js';
import { all, GROUP, webClient } from './clients.js';

const WEB_SITES = `${PROVIDERS_PATH}/Microsoft.Web/sites`;
const resourceId = (name: string) => `${WEB_SITES}/${name}`;

describe('@azure/arm-appservice against portico serve: linked backends', () => {
  let t: TestService;
  let web: ReturnType<typeof webClient>;
  let app: string;

  beforeAll(async () => {
    t = await startTestService();
    web = webClient(t.service.adminUrl);
    app = await writeApp({ 'index.html': '<h1>linked</h1>' });
    await web.staticSites.createOrUpdateStaticSite(GROUP, 'shop', {
      location: 'portico',
      sku: { name: 'Standard' },
    });
    const token = (await web.staticSites.listStaticSiteSecrets(GROUP, 'shop')).properties?.apiKey ?? '';
    expect((await deployFolders(t.service, token, app)).status).toBe(200);
    expect((await deployFolders(t.service, token, app, { environment: 'staging' })).status).toBe(200);
    for (const [name, access] of [
      ['orders', 'Enabled'],
      ['billing', 'Enabled'],
      ['private', 'Disabled'],
    ]) {
      const created = await t.admin('PUT', `${WEB_SITES}/${name}`, {
        kind: 'app',
        properties: { backendUrl: `https://${name}.example.com`, publicNetworkAccess: access },
      });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
    await removeData(app ?? '');
  });

  describe('function apps (Microsoft.Web/sites)', () => {
    it('creates a function app (webApps.createOrUpdate) and gets it', async () => {
      const app = await web.webApps.createOrUpdate(GROUP, 'inventory', {
        location: 'portico',
        kind: 'functionapp',
      });
      expect(app.defaultHostName).toBe('inventory.azurewebsites.portico.test');
      expect((await web.webApps.get(GROUP, 'inventory')).kind).toBe('functionapp');
      // Resource names match without case, as in Azure Resource Manager.
      expect((await web.webApps.get(GROUP, 'INVENTORY')).name).toBe('inventory');
    });

    it('lists apps by resource group and by subscription', async () => {
      const byGroup = (await all(web.webApps.listByResourceGroup(GROUP))).map((a) => a.name);
      const bySubscription = (await all(web.webApps.list())).map((a) => a.name);
      expect(byGroup).toEqual(expect.arrayContaining(['inventory', 'orders']));
      expect(bySubscription).toEqual(byGroup);
    });

    it('deletes a function app', async () => {
      await web.webApps.delete(GROUP, 'inventory');
      await expect(web.webApps.get(GROUP, 'inventory')).rejects.toMatchObject({ statusCode: 404 });
    });
  });

  describe('at site level (production)', () => {
    it('validates a backend that could be linked, and refuses a network-isolated one', async () => {
      await web.staticSites.validateBackend(GROUP, 'shop', 'orders-backend', {
        backendResourceId: resourceId('orders'),
      });
      await expect(
        web.staticSites.validateBackend(GROUP, 'shop', 'private-backend', {
          backendResourceId: resourceId('private'),
        }),
      ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('network-isolated') });
    });

    it('refuses a backend id of another subscription or resource group, even with a local app of that name', async () => {
      for (const id of [
        '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/portico/providers/Microsoft.Web/sites/orders',
        resourceId('orders').replace('/resourceGroups/portico/', '/resourceGroups/prod-rg/'),
      ]) {
        await expect(
          web.staticSites.validateBackend(GROUP, 'shop', 'orders-backend', { backendResourceId: id }),
        ).rejects.toMatchObject({ statusCode: 404, message: expect.stringContaining('one subscription') });
        await expect(
          web.staticSites.linkBackend(GROUP, 'shop', 'orders-backend', { backendResourceId: id }),
        ).rejects.toMatchObject({ statusCode: 404 });
      }
      expect(await all(web.staticSites.listLinkedBackends(GROUP, 'shop'))).toEqual([]);
    });

    it('links a backend under a name of its own (linkBackend, a long-running operation)', async () => {
      const link = await web.staticSites.linkBackend(GROUP, 'shop', 'orders-backend', {
        backendResourceId: resourceId('orders'),
        region: 'portico',
      });
      expect(link.name).toBe('orders-backend');
      expect(link.backendResourceId).toBe(resourceId('orders'));
      expect(link.provisioningState).toBe('Succeeded');
    });

    it('refuses to delete the linked app while the link holds (409 CONTROL_BACKEND_IN_USE)', async () => {
      await expect(web.webApps.delete(GROUP, 'orders')).rejects.toMatchObject({
        statusCode: 409,
        code: 'CONTROL_BACKEND_IN_USE',
        message: expect.stringContaining("unlink it first ('portico unlink --site shop')"),
      });
    });

    it('gets the link by that name', async () => {
      const link = await web.staticSites.getLinkedBackend(GROUP, 'shop', 'orders-backend');
      expect(link.backendResourceId).toBe(resourceId('orders'));
    });

    it("answers the site-level id and type, as Azure's site-level link is named", async () => {
      const expected = {
        id: `${SITES}/shop/linkedBackends/orders-backend`,
        type: 'Microsoft.Web/staticSites/linkedBackends',
      };
      expect(await web.staticSites.getLinkedBackend(GROUP, 'shop', 'orders-backend')).toMatchObject(expected);
      expect(await all(web.staticSites.listLinkedBackends(GROUP, 'shop'))).toMatchObject([expected]);
      const repaired = await t.admin('POST', `${SITES}/shop/linkedBackends/orders-backend/repair`);
      expect(repaired.json()).toMatchObject(expected);
    });

    it('lists the links', async () => {
      const links = await all(web.staticSites.listLinkedBackends(GROUP, 'shop'));
      expect(links.map((l) => l.name)).toEqual(['orders-backend']);
    });

    it('a name the environment has no link under is a 404', async () => {
      await expect(web.staticSites.getLinkedBackend(GROUP, 'shop', 'other')).rejects.toMatchObject({
        statusCode: 404,
      });
    });

    it('unlinks by the name used at link time', async () => {
      await web.staticSites.unlinkBackend(GROUP, 'shop', 'orders-backend');
      expect(await all(web.staticSites.listLinkedBackends(GROUP, 'shop'))).toEqual([]);
    });
  });

  describe('network-isolated API Management services (spec/apim.md §3.2)', () => {
    const APIM = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service`;
    const setNetwork = (name: string, properties: Record<string, string>) =>
      t.admin('PUT', `${APIM}/${name}`, { properties });

    it('refuses to link a service with publicNetworkAccess Disabled or virtualNetworkType Internal', async () => {
      expect((await setNetwork('sealed', { publicNetworkAccess: 'Disabled' })).status).toBe(201);
      expect((await setNetwork('inside', { virtualNetworkType: 'Internal' })).status).toBe(201);
      const cases: [string, string][] = [
        ['sealed', 'publicNetworkAccess Disabled'],
        ['inside', 'virtualNetworkType Internal'],
      ];
      for (const [name, rule] of cases) {
        await expect(
          web.staticSites.linkBackend(GROUP, 'shop', name, { backendResourceId: `${APIM}/${name}` }),
        ).rejects.toMatchObject({
          statusCode: 400,
          message: expect.stringContaining(`is network-isolated (${rule})`),
        });
      }
      expect(await all(web.staticSites.listLinkedBackends(GROUP, 'shop'))).toEqual([]);
    });

    it('links an External one, and the link turns Broken when the service is isolated later', async () => {
      expect((await setNetwork('edge', { virtualNetworkType: 'External' })).status).toBe(201);
      await web.staticSites.linkBackend(GROUP, 'shop', 'edge', { backendResourceId: `${APIM}/edge` });
      expect((await setNetwork('edge', { publicNetworkAccess: 'Disabled' })).status).toBe(200);
      const [link] = (await t.admin('GET', `${SITES}/shop/linkedBackends`)).json<{
        value: { properties: { status: string; problems: string[] } }[];
      }>().value;
      expect(link?.properties.status).toBe('Broken');
      expect(link?.properties.problems).toContain(
        'the API Management service is network-isolated (publicNetworkAccess Disabled)',
      );
      await web.staticSites.unlinkBackend(GROUP, 'shop', 'edge');
    });

    it('refuses an unknown network setting, naming the field', async () => {
      const bad = await setNetwork('edge', { virtualNetworkType: 'Hybrid' });
      expect(bad.status).toBe(400);
      expect(bad.json()).toMatchObject({
        error: { message: expect.stringContaining('properties.virtualNetworkType must be one of None') },
      });
    });
  });

  describe('per build', () => {
    it('links a backend to a build', async () => {
      const link = await web.staticSites.linkBackendToBuild(GROUP, 'shop', 'staging', 'billing-api', {
        backendResourceId: resourceId('billing'),
      });
      expect(link.name).toBe('billing-api');
    });

    it('gets the link of a build by name', async () => {
      const link = await web.staticSites.getLinkedBackendForBuild(GROUP, 'shop', 'staging', 'billing-api');
      expect(link.backendResourceId).toBe(resourceId('billing'));
      // A build's link keeps the builds form of Azure's build-level operations.
      expect(link).toMatchObject({
        id: `${SITES}/shop/builds/staging/linkedBackends/billing-api`,
        type: 'Microsoft.Web/staticSites/builds/linkedBackends',
      });
    });

    it('lists the links of a build', async () => {
      const links = await all(web.staticSites.listLinkedBackendsForBuild(GROUP, 'shop', 'staging'));
      expect(links.map((l) => l.name)).toEqual(['billing-api']);
    });

    it('validates a backend for a build', async () => {
      await web.staticSites.validateBackendForBuild(GROUP, 'shop', 'staging', 'billing-api', {
        backendResourceId: resourceId('billing'),
      });
      await expect(
        web.staticSites.validateBackendForBuild(GROUP, 'shop', 'staging', 'x', {
          backendResourceId: resourceId('private'),
        }),
      ).rejects.toMatchObject({ statusCode: 400 });
    });

    it('unlinks a build by the name used at link time', async () => {
      await web.staticSites.unlinkBackendFromBuild(GROUP, 'shop', 'staging', 'billing-api');
      expect(await all(web.staticSites.listLinkedBackendsForBuild(GROUP, 'shop', 'staging'))).toEqual([]);
    });
  });
});
