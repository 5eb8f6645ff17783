/**
 * `@azure/arm-apimanagement` addressing an API by its current revision, `{apiId};rev=1`, as Azure names
 * revisions and as Terraform's azurerm provider creates and reads APIs (decision 0123): the same API in
 * every path under `…/apis/{apiId}`, answered under the name it was asked by; another revision is a 404,
 * and creating one a 501.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startBackend } from '../helpers/backend.js';
import { PROVIDERS_PATH, removeData, startTestService, type TestService } from '../helpers/service.js';
import { APIM_SERVICE, all, apimClient, GROUP } from './clients.js';

const S = 'revisions';
const APIS = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/${S}/apis`;

describe('API revision ids ({apiId};rev=1) through @azure/arm-apimanagement', () => {
  let t: TestService;
  let backend: Backend;
  let apim: ReturnType<typeof apimClient>;
  let gatewayHost: string;

  const API = {
    displayName: 'Revs',
    path: 'revs',
    protocols: ['https' as const],
    subscriptionRequired: false,
  };

  beforeAll(async () => {
    t = await startTestService();
    backend = await startBackend();
    apim = apimClient(t.service.adminUrl);
    const service = await apim.apiManagementService.beginCreateOrUpdateAndWait(GROUP, S, APIM_SERVICE);
    gatewayHost = new URL(service.gatewayUrl ?? '').hostname;
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('creates, reads and changes an API as {apiId};rev=1, answering under that name', async () => {
    const created = await apim.api.beginCreateOrUpdateAndWait(GROUP, S, 'revs;rev=1', {
      ...API,
      serviceUrl: backend.url,
    });
    expect(created).toMatchObject({
      name: 'revs;rev=1',
      id: `${APIS}/revs;rev=1`,
      apiRevision: '1',
      isCurrent: true,
      path: 'revs',
    });
    expect(await apim.api.get(GROUP, S, 'revs;rev=1')).toMatchObject({
      name: 'revs;rev=1',
      id: `${APIS}/revs;rev=1`,
    });
    // One API, known by its id.
    expect(await apim.api.get(GROUP, S, 'revs')).toMatchObject({ name: 'revs', id: `${APIS}/revs` });
    expect((await all(apim.api.listByService(GROUP, S))).map((api) => api.name)).toEqual(['revs']);
    const updated = await apim.api.update(GROUP, S, 'revs;rev=1', '*', { displayName: 'Revs 2' });
    expect(updated).toMatchObject({ name: 'revs;rev=1', displayName: 'Revs 2' });
    expect((await apim.api.get(GROUP, S, 'revs')).displayName).toBe('Revs 2');
  });

  it('reaches the operations, policies and product membership of {apiId};rev=1', async () => {
    const op = await apim.apiOperation.createOrUpdate(GROUP, S, 'revs;rev=1', 'echo', {
      displayName: 'Echo',
      method: 'GET',
      urlTemplate: '/echo',
    });
    expect(op).toMatchObject({ name: 'echo', id: `${APIS}/revs;rev=1/operations/echo` });
    expect((await apim.apiOperation.get(GROUP, S, 'revs', 'echo')).id).toBe(`${APIS}/revs/operations/echo`);
    const ops = await all(apim.apiOperation.listByApi(GROUP, S, 'revs;rev=1'));
    expect(ops.map((o) => o.id)).toEqual([`${APIS}/revs;rev=1/operations/echo`]);
    // The gateway knows the API by its path, never by its id.
    expect((await t.get(gatewayHost, '/revs/echo')).status).toBe(200);
    expect(backend.requests.at(-1)?.url).toBe('/echo');

    const policy =
      '<policies><inbound><base /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>';
    const saved = await apim.apiPolicy.createOrUpdate(GROUP, S, 'revs;rev=1', 'policy', {
      format: 'rawxml',
      value: policy,
    });
    expect(saved.id).toBe(`${APIS}/revs;rev=1/policies/policy`);
    expect((await t.admin('GET', `${APIS}/revs/policies/policy`)).status).toBe(200);

    await apim.product.createOrUpdate(GROUP, S, 'starter', { displayName: 'Starter' });
    await apim.productApi.createOrUpdate(GROUP, S, 'starter', 'revs;rev=1');
    const inProduct = await all(apim.productApi.listByProduct(GROUP, S, 'starter'));
    expect(inProduct.map((api) => api.name)).toEqual(['revs']);
    expect((await apim.productApi.checkEntityExists(GROUP, S, 'starter', 'revs;rev=1')).body).toBe(true);
  });

  it('answers another revision with a 404 saying Portico keeps one, and refuses to create one (501)', async () => {
    const oneRevision = expect.stringContaining('Portico keeps one revision per API');
    await expect(apim.api.get(GROUP, S, 'revs;rev=2')).rejects.toMatchObject({
      statusCode: 404,
      message: oneRevision,
    });
    await expect(apim.apiOperation.get(GROUP, S, 'revs;rev=2', 'echo')).rejects.toMatchObject({
      statusCode: 404,
      message: oneRevision,
    });
    await expect(apim.api.update(GROUP, S, 'revs;rev=2', '*', { displayName: 'x' })).rejects.toMatchObject({
      statusCode: 404,
      message: oneRevision,
    });
    await expect(
      apim.api.beginCreateOrUpdateAndWait(GROUP, S, 'revs;rev=2', { ...API, serviceUrl: backend.url }),
    ).rejects.toMatchObject({
      statusCode: 501,
      code: 'CONTROL_NOT_SUPPORTED',
      message: expect.stringContaining('Portico does not create API revisions'),
    });
    expect((await all(apim.api.listByService(GROUP, S))).map((api) => api.name)).toEqual(['revs']);
  });

  it('deletes an API given as {apiId};rev=1', async () => {
    await apim.api.beginDeleteAndWait(GROUP, S, 'revs;rev=1', '*');
    await expect(apim.api.get(GROUP, S, 'revs')).rejects.toMatchObject({ statusCode: 404 });
  });
});
