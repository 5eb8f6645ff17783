/**
 * `@azure/arm-apimanagement` saving operations whose URL templates hold %-escapes, and API paths, that a
 * call can reach: a template literal is matched decoded, as an API path suffix is (decisions 0115, 0123);
 * what no call could reach (escapes that are not UTF-8, escaped dot segments) is refused when saved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startBackend } from '../helpers/backend.js';
import { removeData, startTestService, type TestService } from '../helpers/service.js';
import { APIM_SERVICE, apimClient, GROUP } from './clients.js';

const S = 'escapes';

describe('escaped URL templates and API paths through @azure/arm-apimanagement', () => {
  let t: TestService;
  let backend: Backend;
  let apim: ReturnType<typeof apimClient>;
  let gatewayHost: string;

  const operation = (urlTemplate: string, method = 'GET') => ({
    displayName: urlTemplate,
    method,
    urlTemplate,
  });
  const putOperation = (id: string, urlTemplate: string, method = 'GET') =>
    apim.apiOperation.createOrUpdate(GROUP, S, 'enc', id, operation(urlTemplate, method));
  const call = (path: string) => t.get(gatewayHost, path);

  beforeAll(async () => {
    t = await startTestService();
    backend = await startBackend();
    apim = apimClient(t.service.adminUrl);
    const service = await apim.apiManagementService.beginCreateOrUpdateAndWait(GROUP, S, APIM_SERVICE);
    gatewayHost = new URL(service.gatewayUrl ?? '').hostname;
    await apim.api.beginCreateOrUpdateAndWait(GROUP, S, 'enc', {
      displayName: 'Escapes',
      path: 'enc',
      serviceUrl: `${backend.url}/api`,
      protocols: ['http', 'https'],
      subscriptionRequired: false,
    });
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('calls an operation whose template has %-escapes by the path a client sends', async () => {
    await putOperation('space', '/a%20c');
    await putOperation('cafe', '/caf%C3%A9');
    for (const path of ['/enc/a%20c', '/enc/A%20C', '/enc/caf%C3%A9', '/enc/CAF%C3%89']) {
      const answer = await call(path);
      expect(answer.status, path).toBe(200);
      // The rest of the path goes to the backend as sent.
      expect(backend.requests.at(-1)?.url, path).toBe(`/api${path.slice('/enc'.length)}`);
    }
    // Escaped once more, it is another path.
    expect((await call('/enc/a%2520c')).status).toBe(404);
  });

  it('keeps an encoded slash inside its segment, as in an API path: /x%2Fy is not /x/y', async () => {
    await putOperation('slash', '/x%2Fy');
    expect((await call('/enc/x%2Fy')).status).toBe(200);
    expect(backend.requests.at(-1)?.url).toBe('/api/x%2Fy');
    expect((await call('/enc/x/y')).status).toBe(404);
  });

  it('refuses a second operation whose template is the same once decoded and without case (409)', async () => {
    await putOperation('space', '/a%20c');
    for (const template of ['/A%20C', '/a%20C/']) {
      await expect(putOperation('space-2', template), template).rejects.toMatchObject({
        statusCode: 409,
        code: 'CONTROL_APIM_CONFLICT',
        message: expect.stringContaining("The operation 'space' of the API 'enc' already answers GET"),
      });
    }
    // Another method is another operation.
    await putOperation('space-post', '/A%20C', 'POST');
  });

  it('refuses a template whose escapes are not UTF-8, naming it', async () => {
    for (const template of ['/a%zz', '/caf%E9', '/ok/%C3']) {
      await expect(putOperation('bad', template), template).rejects.toMatchObject({
        statusCode: 400,
        code: 'CONTROL_BAD_REQUEST',
        message: expect.stringMatching(/^properties\.urlTemplate must be .*%-escapes must be UTF-8/),
      });
      await expect(putOperation('bad', template), template).rejects.toMatchObject({
        message: expect.stringContaining(template),
      });
    }
  });

  it('refuses an API path with an escaped dot segment, as it refuses ../x', async () => {
    const put = (path: string) =>
      apim.api.beginCreateOrUpdateAndWait(GROUP, S, 'dots', {
        displayName: 'Dots',
        path,
        serviceUrl: backend.url,
        protocols: ['https'],
      });
    const literal = await put('../x').catch((error: unknown) => error);
    expect(literal).toMatchObject({ statusCode: 400, message: expect.stringContaining('dot segments') });
    // The same message, with the path as given.
    const message = (path: string) => (literal as Error).message.replace('"../x"', JSON.stringify(path));
    for (const path of ['%2e%2e/x', '%2E%2e/x', '.%2e/x', 'x/%2e', 'x/%2E%2E/y']) {
      await expect(put(path), path).rejects.toMatchObject({ statusCode: 400, message: message(path) });
    }
    // A dot inside a segment is no dot segment.
    await put('x/.well-known%2e');
  });
});
