/**
 * Importing an API from an OpenAPI document, as Azure's `PUT …/apis/{apiId}` with `properties.format`
 * and `properties.value`: OpenAPI 3.0 (YAML) and 3.1 (JSON), Swagger 2.0, a link, and invalid documents
 * refused with where the problem is, changing nothing. The gateway then serves the imported operations.
 * Real sockets, real SQLite.
 * @see issue 19 item 1 (OpenAPI import)
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/edge/index.js';
import { type Backend, startBackend } from '../helpers/backend.js';
import { PROVIDERS_PATH, removeData, startTestService, type TestService } from '../helpers/service.js';

const SERVICE = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/shop`;
const fixture = (name: string) => readFile(new URL(`../fixtures/openapi/${name}`, import.meta.url), 'utf8');

interface OperationBody {
  name: string;
  properties: { method: string; urlTemplate: string; displayName: string };
}
interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

describe('portico serve: importing an API from an OpenAPI document', () => {
  let t: TestService;
  let backend: Backend;
  let docs: Server;
  let docsUrl: string;

  const operations = async (apiId: string) =>
    (await t.admin('GET', `${SERVICE}/apis/${apiId}/operations`))
      .json<{ value: OperationBody[] }>()
      .value.map((op) => [op.name, op.properties.method, op.properties.urlTemplate])
      .sort();

  beforeAll(async () => {
    t = await startTestService();
    backend = await startBackend();
    expect((await t.admin('PUT', SERVICE, { properties: {} })).status).toBe(201);
    const petstore = await fixture('petstore-3.0.yaml');
    docs = createServer((req, res) => {
      if (req.url === '/petstore.yaml') {
        res.writeHead(200, { 'content-type': 'application/yaml' });
        res.end(petstore);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    docsUrl = `http://127.0.0.1:${await listen(docs, 0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    if (docs !== undefined) {
      await closeServer(docs);
    }
    await removeData(t?.dataDir ?? '');
  });

  it('imports OpenAPI 3.0 YAML (format openapi): the API takes its title and server, operations its paths', async () => {
    const response = await t.admin('PUT', `${SERVICE}/apis/pets`, {
      properties: { format: 'openapi', value: await fixture('petstore-3.0.yaml'), path: 'pets' },
    });
    expect(response.status).toBe(201);
    expect(response.json()).toMatchObject({
      name: 'pets',
      properties: { displayName: 'Pet store', path: 'pets', serviceUrl: 'https://pets.example.com/v1' },
    });
    expect(await operations('pets')).toEqual([
      ['createPet', 'POST', '/pets'],
      ['get-pets-petId', 'GET', '/pets/{petId}'],
      ['listPets', 'GET', '/pets'],
    ]);
  });

  it('imports OpenAPI 3.1 JSON (format openapi+json); ids that are not valid ids are made from them', async () => {
    const response = await t.admin('PUT', `${SERVICE}/apis/inventory`, {
      properties: {
        format: 'openapi+json',
        value: await fixture('inventory-3.1.json'),
        path: 'api',
        serviceUrl: `${backend.url}/api`,
        protocols: ['http', 'https'],
        subscriptionRequired: false,
      },
    });
    expect(response.status).toBe(201);
    expect(await operations('inventory')).toEqual([
      ['delete-item', 'DELETE', '/items/{sku}'],
      ['getItem', 'GET', '/items/{sku}'],
    ]);
    // The gateway serves the imported operations, and only them (APIM's 404 for the rest).
    const item = await t.get('shop.azure-api.portico.test', '/api/items/42');
    expect(item.status).toBe(200);
    expect(backend.requests.at(-1)?.url).toBe('/api/items/42');
    expect((await t.get('shop.azure-api.portico.test', '/api/other')).status).toBe(404);
  });

  it('imports Swagger 2.0 (format swagger-json): host and basePath make the service URL', async () => {
    const response = await t.admin('PUT', `${SERVICE}/apis/legacy`, {
      properties: { format: 'swagger-json', value: await fixture('legacy-swagger-2.json'), path: 'legacy' },
    });
    expect(response.status).toBe(201);
    expect(response.json()).toMatchObject({
      properties: { displayName: 'Legacy orders', serviceUrl: 'https://orders.example.com/legacy' },
    });
    expect(await operations('legacy')).toEqual([['listOrders', 'GET', '/orders']]);
  });

  it('imports from a link (format openapi-link)', async () => {
    const response = await t.admin('PUT', `${SERVICE}/apis/linked`, {
      properties: { format: 'openapi-link', value: `${docsUrl}/petstore.yaml`, path: 'linked' },
    });
    expect(response.status).toBe(201);
    expect((await operations('linked')).map(([id]) => id)).toEqual([
      'createPet',
      'get-pets-petId',
      'listPets',
    ]);
    const missing = await t.admin('PUT', `${SERVICE}/apis/linked2`, {
      properties: { format: 'openapi-link', value: `${docsUrl}/nothing.yaml`, path: 'linked2' },
    });
    expect(missing.status).toBe(400);
    expect(missing.json<ErrorBody>().error.message).toContain('the server answered 404');
  });

  it('a re-import replaces the operations, keeping none the document no longer has', async () => {
    const doc = JSON.parse(await fixture('legacy-swagger-2.json')) as { paths: Record<string, unknown> };
    doc.paths = {
      '/orders/{id}': {
        get: {
          operationId: 'getOrder',
          parameters: [{ name: 'id', in: 'path', required: true, type: 'string' }],
          responses: { 200: { description: 'x' } },
        },
      },
    };
    const response = await t.admin('PUT', `${SERVICE}/apis/legacy`, {
      properties: { format: 'swagger-json', value: JSON.stringify(doc), path: 'legacy' },
    });
    expect(response.status).toBe(200);
    expect(await operations('legacy')).toEqual([['getOrder', 'GET', '/orders/{id}']]);
  });

  it('refuses an invalid document with the JSON path and line of each problem, changing nothing', async () => {
    const response = await t.admin('PUT', `${SERVICE}/apis/broken`, {
      properties: { format: 'openapi', value: await fixture('broken.yaml'), path: 'broken' },
    });
    expect(response.status).toBe(400);
    const { error } = response.json<ErrorBody>();
    expect(error.code).toBe('CONTROL_OPENAPI_INVALID');
    expect(error.details).toContainEqual({
      path: "$.paths['/widgets'].get.responses['200'] (line 9, column 9)",
      message: "must have required property 'description'",
    });
    expect(error.message).toContain("$.paths['/widgets'].get.responses['200'] (line 9, column 9)");
    expect((await t.admin('GET', `${SERVICE}/apis/broken`)).status).toBe(404);
  });

  it('never follows a reference to another file or URL, and says so at its place', async () => {
    const doc = [
      'openapi: 3.0.3',
      'info: { title: x, version: "1" }',
      'servers: [{ url: "https://x.example.com" }]',
      'paths:',
      '  /secrets:',
      "    $ref: 'file:///etc/passwd'",
    ].join('\n');
    const response = await t.admin('PUT', `${SERVICE}/apis/broken`, {
      properties: { format: 'openapi', value: doc, path: 'broken' },
    });
    expect(response.status).toBe(400);
    expect(response.json<ErrorBody>().error.details[0]).toEqual({
      path: "$.paths['/secrets'].$ref (line 6, column 5)",
      message:
        'refers to another document (file:///etc/passwd); Portico follows only references inside the document: inline it',
    });
  });

  it('refuses text that is not YAML or JSON at its line, and a document that is not OpenAPI', async () => {
    const syntax = await t.admin('PUT', `${SERVICE}/apis/broken`, {
      properties: { format: 'openapi', value: 'openapi: 3.0.3\ninfo: [unclosed\n', path: 'broken' },
    });
    expect(syntax.status).toBe(400);
    expect(syntax.json<ErrorBody>().error.details[0]?.path).toMatch(/^line \d+, column \d+$/);
    const other = await t.admin('PUT', `${SERVICE}/apis/broken`, {
      properties: { format: 'openapi+json', value: '{"hello": "world"}', path: 'broken' },
    });
    expect(other.status).toBe(400);
    expect(other.json<ErrorBody>().error.message).toContain('not an OpenAPI or Swagger document');
  });

  it('refuses a path Portico cannot match at its place, and asks for serviceUrl when the document has none', async () => {
    const doc = {
      openapi: '3.0.3',
      info: { title: 'x', version: '1' },
      servers: [{ url: 'https://x.example.com' }],
      paths: {
        '/files/{name.ext}': {
          get: {
            parameters: [{ name: 'name.ext', in: 'path', required: true, schema: { type: 'string' } }],
            responses: { 200: { description: 'x' } },
          },
        },
      },
    };
    const badPath = await t.admin('PUT', `${SERVICE}/apis/broken`, {
      properties: { format: 'openapi+json', value: JSON.stringify(doc, null, 2), path: 'broken' },
    });
    expect(badPath.status).toBe(400);
    expect(badPath.json<ErrorBody>().error.details[0]).toMatchObject({
      path: "$.paths['/files/{name.ext}'].get (line 14, column 7)",
      message: expect.stringContaining('braces must enclose a parameter name'),
    });
    const noServer = await t.admin('PUT', `${SERVICE}/apis/broken`, {
      properties: {
        format: 'openapi+json',
        value: JSON.stringify({ ...doc, servers: [], paths: {} }),
        path: 'broken',
      },
    });
    expect(noServer.status).toBe(400);
    expect(noServer.json<ErrorBody>().error.message).toContain('properties.serviceUrl is required');
    expect((await t.admin('GET', `${SERVICE}/apis/broken`)).status).toBe(404);
  });
});
