/**
 * What Portico cannot do, asked through Azure's own SDKs, is refused in words a script can act on: an
 * operation it lacks is a 501 naming it (with the real, decoded names), an sku it does not offer and a
 * change that would break the built-in `master` subscription are 400s, and an API export is never
 * answered with the API itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeData, startTestService, type TestService } from '../helpers/service.js';
import { APIM_SERVICE, apimClient, GROUP, webClient } from './clients.js';

const S = 'refusing';
const NOT_SUPPORTED = (operation: string) => ({
  statusCode: 501,
  code: 'CONTROL_NOT_SUPPORTED',
  message: expect.stringContaining(operation),
});

describe('refusals through Azure SDKs against portico serve', () => {
  let t: TestService;
  let apim: ReturnType<typeof apimClient>;
  let web: ReturnType<typeof webClient>;

  beforeAll(async () => {
    t = await startTestService();
    apim = apimClient(t.service.adminUrl);
    web = webClient(t.service.adminUrl);
    await apim.apiManagementService.beginCreateOrUpdateAndWait(GROUP, S, APIM_SERVICE);
    await apim.api.beginCreateOrUpdateAndWait(GROUP, S, 'a1', {
      displayName: 'A1',
      path: 'a1',
      serviceUrl: 'http://127.0.0.1:9/a1',
      protocols: ['https'],
    });
    await apim.product.createOrUpdate(GROUP, S, 'p1', { displayName: 'P1' });
    await web.staticSites.createOrUpdateStaticSite(GROUP, 's1', {
      location: 'portico',
      sku: { name: 'Free' },
    });
  });

  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('an API export (GET …/apis/{id}?export=true&format=…) is a 501, not the API resource', async () => {
    await expect(apim.apiExport.get(GROUP, S, 'a1', 'openapi-link', 'true')).rejects.toMatchObject(
      NOT_SUPPORTED('export of an API'),
    );
    // Without export, the same path is the API.
    expect((await apim.api.get(GROUP, S, 'a1')).path).toBe('a1');
  });

  describe('operations Portico lacks are 501 naming the operation', () => {
    it("PATCH of a service or an app (Azure's Update) is 501, with the methods the path has in Allow", async () => {
      await expect(
        apim.apiManagementService.beginUpdateAndWait(GROUP, S, { publisherName: 'x' }),
      ).rejects.toMatchObject(NOT_SUPPORTED(`PATCH …/Microsoft.ApiManagement/service/${S}`));
      await t.admin(
        'PUT',
        `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers/Microsoft.Web/sites/fa1`,
        {
          kind: 'functionapp',
        },
      );
      await expect(web.webApps.update(GROUP, 'fa1', { httpsOnly: true })).rejects.toMatchObject(
        NOT_SUPPORTED('PATCH …/Microsoft.Web/sites/fa1'),
      );
      const raw = await t.admin(
        'PATCH',
        `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers/Microsoft.ApiManagement/service/${S}`,
        {},
      );
      expect(raw.status).toBe(501);
      expect(raw.header('allow')).toBe('PUT, GET, HEAD, DELETE');
    });

    it('provider-level operations (checkNameAvailability, previewWorkflow) are 501, not 404', async () => {
      await expect(apim.apiManagementService.checkNameAvailability({ name: 'x' })).rejects.toMatchObject(
        NOT_SUPPORTED('POST …/Microsoft.ApiManagement/checkNameAvailability'),
      );
      await expect(web.staticSites.previewWorkflow('westus', {})).rejects.toMatchObject(
        NOT_SUPPORTED('POST …/Microsoft.Web/locations/westus/previewStaticSiteWorkflowFile'),
      );
    });

    it('names what the path names, decoded, never {name} placeholders', async () => {
      await expect(
        web.staticSites.getPrivateEndpointConnection(GROUP, 's1', 'conn *1'),
      ).rejects.toMatchObject(
        NOT_SUPPORTED('GET …/Microsoft.Web/staticSites/s1/privateEndpointConnections/conn *1'),
      );
      await expect(
        web.staticSites.createZipDeploymentForStaticSiteBuild(GROUP, 's1', 'staging', {}),
      ).rejects.toMatchObject(NOT_SUPPORTED('POST …/Microsoft.Web/staticSites/s1/builds/staging/zipdeploy'));
    });
  });

  it('a service sku Portico does not offer is a 400 naming the one it offers', async () => {
    await expect(
      apim.apiManagementService.beginCreateOrUpdateAndWait(GROUP, 'svc9', {
        location: 'westeurope',
        sku: { name: 'Consumption', capacity: 0 },
        publisherEmail: 'ops@example.com',
        publisherName: 'Contoso',
      }),
    ).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining("sku.name 'Consumption'"),
    });
    await expect(apim.apiManagementService.get(GROUP, 'svc9')).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      apim.apiManagementService.beginCreateOrUpdateAndWait(GROUP, 'svc9', {
        location: 'portico',
        sku: { name: 'Developer', capacity: 2 },
        publisherEmail: 'ops@example.com',
        publisherName: 'Contoso',
      }),
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('sku.capacity') });
    // Developer (any spelling) with capacity 1 or none, and no sku at all, stay accepted.
    const made = await t.admin(
      'PUT',
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers/Microsoft.ApiManagement/service/svc9',
      { sku: { name: 'developer' }, properties: {} },
    );
    expect(made.status).toBe(201);
    expect(made.json()).toMatchObject({ sku: { name: 'Developer', capacity: 1 } });
  });

  it("refuses to change the scope of the built-in all-access subscription 'master'", async () => {
    await expect(
      apim.subscription.update(GROUP, S, 'master', '*', { scope: '/products/p1' }),
    ).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining("'master'"),
    });
    await expect(
      apim.subscription.createOrUpdate(GROUP, S, 'master', { scope: '/apis/a1', displayName: 'x' }),
    ).rejects.toMatchObject({ statusCode: 400 });
    expect((await apim.subscription.get(GROUP, S, 'master')).scope).toMatch(/\/apis$/);
    // Its other properties still change, and its own scope may be restated.
    const renamed = await apim.subscription.update(GROUP, S, 'master', '*', {
      displayName: 'Everything',
      scope: '/apis',
    });
    expect(renamed.displayName).toBe('Everything');
  });
});
