/**
 * The API Management gateway of `portico serve` as a caller sees it: matching (404 for unknown paths
 * and wrong methods), every branch of the subscription key decision with APIM's exact bodies, key
 * regeneration and states, renamed key parameters, policies refused at save time with their line, and
 * malformed input that never crashes. Real sockets, real SQLite, a real backend on loopback.
 * @see spec/apim.md §1.2–1.3; CONTRACT.md §6; issue 5 "Gateway data plane"
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import {
  ADMIN_TOKEN,
  PROVIDERS_PATH,
  removeData,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const SVC = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/gw`;
const HOST = 'gw.azure-api.portico.test';
const MISSING =
  'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.';
const INVALID =
  'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.';

describe('gateway: matching and the subscription key decision', () => {
  let t: TestService;
  let backend: Backend;
  const keys = new Map<string, string>();

  async function put(path: string, properties: unknown, expected = [200, 201]): Promise<void> {
    const response = await t.admin('PUT', `${SVC}${path}`, { properties });
    expect(expected, `${path}: ${response.text}`).toContain(response.status);
  }
  async function subscribe(id: string, scope: string, state = 'active'): Promise<void> {
    await put(`/subscriptions/${id}`, { scope, state });
    keys.set(
      id,
      (await t.admin('POST', `${SVC}/subscriptions/${id}/listSecrets`)).json<{ primaryKey: string }>()
        .primaryKey,
    );
  }
  const call = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    t.get(HOST, path, { method, headers });
  const withKey = (id: string) => ({ 'ocp-apim-subscription-key': keys.get(id) ?? '' });

  beforeAll(async () => {
    t = await startTestService();
    backend = await startBackend();
    expect((await t.admin('PUT', SVC, { properties: {} })).status).toBe(201);
    await put('/apis/orders', { path: 'orders', serviceUrl: `${backend.url}/api` });
    await put('/apis/orders/operations/list', { method: 'GET', urlTemplate: '/' });
    await put('/apis/orders/operations/one', { method: 'GET', urlTemplate: '/{id}' });
    await put('/apis/public', {
      path: 'public',
      serviceUrl: `${backend.url}/api`,
      subscriptionRequired: false,
    });
    await put('/apis/public/operations/get', { method: 'GET', urlTemplate: '/*' });
    await put('/apis/catalog', {
      path: 'catalog',
      serviceUrl: `${backend.url}/api`,
      subscriptionKeyParameterNames: { header: 'X-Catalog-Key', query: 'ckey' },
    });
    await put('/apis/catalog/operations/get', { method: 'GET', urlTemplate: '/items' });
    await put('/apis/freebies', { path: 'freebies', serviceUrl: `${backend.url}/api` });
    await put('/apis/freebies/operations/get', { method: 'GET', urlTemplate: '/' });
    await put('/products/starter', { subscriptionRequired: true });
    await put('/products/open', { subscriptionRequired: false });
    expect((await t.admin('PUT', `${SVC}/products/starter/apis/orders`)).status).toBe(201);
    expect((await t.admin('PUT', `${SVC}/products/starter/apis/catalog`)).status).toBe(201);
    expect((await t.admin('PUT', `${SVC}/products/open/apis/freebies`)).status).toBe(201);
    await subscribe('starter-sub', '/products/starter');
    await subscribe('orders-only', '/apis/orders');
    await subscribe('everything', '/apis');
    await subscribe('suspended', '/apis', 'suspended');
    await subscribe('public-only', '/apis/public');
    keys.set(
      'master',
      (await t.admin('POST', `${SVC}/subscriptions/master/listSecrets`)).json<{ primaryKey: string }>()
        .primaryKey,
    );
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('forwards a call with a product key to the backend path, minus the key', async () => {
    const response = await call('/orders/42?x=1', withKey('starter-sub'));
    expect(response.status).toBe(200);
    const seen = backend.requests.at(-1) as EchoRequest;
    expect(seen.url).toBe('/api/42?x=1');
    expect(seen.headers['ocp-apim-subscription-key']).toBeUndefined();
  });

  it("appends the caller's address to its X-Forwarded-For and replaces the forwarded fields it cannot vouch for", async () => {
    // @see decision 0084: a caller's X-Forwarded-For used to reach the backend instead of its address.
    const response = await call('/orders/7', {
      ...withKey('starter-sub'),
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.test',
      forwarded: 'for=6.6.6.6;proto=https;host=evil.test',
      'x-real-ip': '6.6.6.6',
      'x-forwarded-port': '1234',
      'x-original-url': '/admin',
      'x-forwarded-prefix': '/evil',
      'x-arr-clientcert': 'spoof',
      // CGI-style backends read these as HTTP_X_FORWARDED_PROTO and so on, as the dashed fields.
      x_forwarded_proto: 'https',
      x_forwarded_for: '6.6.6.6',
      x_real_ip: '6.6.6.6',
      x_original_url: '/admin',
      x_custom_field: 'kept',
      // Decision 0095: every proxy drops a caller's link proof; the CDN client field is not vouched for.
      'x-portico-link-proof': 'replayed',
      x_portico_link_proof: 'replayed',
      'cf-connecting-ip': '6.6.6.6',
      'x-azure-clientip': '6.6.6.6',
    });
    expect(response.status).toBe(200);
    const seen = backend.requests.at(-1) as EchoRequest;
    const names = Object.keys(seen.headers);
    for (const name of ['x_forwarded_proto', 'x_forwarded_for', 'x_real_ip', 'x_original_url']) {
      expect(names).not.toContain(name);
    }
    expect(names).not.toContain('x-forwarded-prefix');
    expect(names).not.toContain('x-arr-clientcert');
    expect(seen.headers.x_custom_field).toBe('kept');
    expect(seen.headers['x-forwarded-for']).toBe('6.6.6.6, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe(`${HOST}:${t.service.port}`);
    expect(seen.headers.forwarded).toBeUndefined();
    expect(seen.headers['x-real-ip']).toBeUndefined();
    expect(seen.headers['x-forwarded-port']).toBeUndefined();
    expect(seen.headers['x-original-url']).toBeUndefined();
    for (const name of [
      'x-portico-link-proof',
      'x_portico_link_proof',
      'cf-connecting-ip',
      'x-azure-clientip',
    ]) {
      expect(names).not.toContain(name);
    }
  });

  it('answers 404 Resource not found for unknown paths and wrong methods (never 405)', async () => {
    for (const [path, method] of [
      ['/nothing', 'GET'],
      ['/orders/42', 'DELETE'],
      ['/orders/1/2', 'GET'],
    ] as const) {
      const response = await call(path, withKey('everything'), method);
      expect(response.status).toBe(404);
      expect(response.json()).toEqual({ statusCode: 404, message: 'Resource not found' });
    }
  });

  it('chooses the API and operation for the path the backend is asked for: dot segments never leave an API', async () => {
    // Sent as written (a URL parser, like fetch's, would resolve the dots before sending).
    const rawCall = (path: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const sent = httpRequest(
          { host: '127.0.0.1', port: t.service.port, path, headers: { ...headers, host: HOST } },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        sent.on('error', reject).end();
      });
    for (const path of ['/public/../../admin', '/public/%2e%2e/%2E%2E/admin', '/public/..\\..\\admin']) {
      const before = backend.requests.length;
      expect(await rawCall(path), path).toBe(404);
      expect(backend.requests.length, path).toBe(before);
    }
    expect(await rawCall('/public/a/./b/../c')).toBe(200);
    expect((backend.requests.at(-1) as EchoRequest).url).toBe('/api/a/c');
    // Empty segments are merged before matching too (a backend merging them would see another route).
    expect(await rawCall('/public//a///c')).toBe(200);
    expect((backend.requests.at(-1) as EchoRequest).url).toBe('/api/a/c');
    expect(await rawCall('//orders//42')).toBe(401);
    // Another API's path reached through dot segments gets that API's key check.
    expect(await rawCall('/public/../orders/42')).toBe(401);
    expect(await rawCall('/public/%2e%2e/orders/42', withKey('orders-only'))).toBe(200);
    expect((backend.requests.at(-1) as EchoRequest).url).toBe('/api/42');
  });

  it("answers APIM's missing-key and invalid-key 401 bodies", async () => {
    expect((await call('/orders/1')).json()).toEqual({ statusCode: 401, message: MISSING });
    const invalid = await call('/orders/1', { 'ocp-apim-subscription-key': 'not-a-key' });
    expect(invalid.status).toBe(401);
    expect(invalid.json()).toEqual({ statusCode: 401, message: INVALID });
    expect((await call('/orders/1', withKey('suspended'))).json()).toEqual({
      statusCode: 401,
      message: INVALID,
    });
    expect((await call('/orders/1', withKey('public-only'))).json()).toEqual({
      statusCode: 401,
      message: INVALID,
    });
  });

  it('accepts API-scoped, all-API and the built-in master keys, and keys in the query', async () => {
    expect((await call('/orders/1', withKey('orders-only'))).status).toBe(200);
    expect((await call('/orders/1', withKey('everything'))).status).toBe(200);
    expect((await call('/orders/1', withKey('master'))).status).toBe(200);
    expect((await call(`/orders/1?subscription-key=${keys.get('starter-sub')}`)).status).toBe(200);
    expect((backend.requests.at(-1) as EchoRequest).url).toBe('/api/1');
  });

  it('reads the header first: a wrong header key is not rescued by a right query key', async () => {
    const response = await call(`/orders/1?subscription-key=${keys.get('starter-sub')}`, {
      'ocp-apim-subscription-key': 'wrong',
    });
    expect(response.json()).toEqual({ statusCode: 401, message: INVALID });
  });

  it('admits calls without a key to open APIs and open products, and still accepts a valid key there', async () => {
    expect((await call('/public/anything')).status).toBe(200);
    expect((await call('/freebies/')).status).toBe(200);
    expect((await call('/public/x', withKey('everything'))).status).toBe(200);
  });

  it('honours renamed key header and query names', async () => {
    expect((await call('/catalog/items', withKey('starter-sub'))).json()).toEqual({
      statusCode: 401,
      message: MISSING,
    });
    expect((await call('/catalog/items', { 'x-catalog-key': keys.get('starter-sub') ?? '' })).status).toBe(
      200,
    );
    expect((await call(`/catalog/items?ckey=${keys.get('starter-sub')}`)).status).toBe(200);
  });

  it('stops accepting a key once it is regenerated or its subscription suspended, at once', async () => {
    const old = keys.get('orders-only') ?? '';
    expect((await t.admin('POST', `${SVC}/subscriptions/orders-only/regeneratePrimaryKey`)).status).toBe(204);
    expect((await call('/orders/1', { 'ocp-apim-subscription-key': old })).status).toBe(401);
    const secondary = (await t.admin('POST', `${SVC}/subscriptions/orders-only/listSecrets`)).json<{
      secondaryKey: string;
    }>().secondaryKey;
    expect((await call('/orders/1', { 'ocp-apim-subscription-key': secondary })).status).toBe(200);
    const patched = await t.admin('PATCH', `${SVC}/subscriptions/orders-only`, {
      properties: { state: 'suspended' },
    });
    expect(patched.status).toBe(200);
    expect((await call('/orders/1', { 'ocp-apim-subscription-key': secondary })).status).toBe(401);
  });

  it("bounds each user's held subscriptions to a product by its subscriptionsLimit", async () => {
    await put('/products/limited', { subscriptionRequired: true, subscriptionsLimit: 1 });
    const sub = (id: string, properties: Record<string, unknown>) =>
      t.admin('PUT', `${SVC}/subscriptions/${id}`, {
        properties: { scope: '/products/limited', ...properties },
      });
    const patch = (id: string, state: string) =>
      t.admin('PATCH', `${SVC}/subscriptions/${id}`, { properties: { state } });
    expect((await sub('ann-1', { ownerId: '/users/ann', state: 'active' })).status).toBe(201);
    const second = await sub('ann-2', { ownerId: `${SVC}/users/ann`, state: 'submitted' });
    expect(second.status).toBe(409);
    expect(second.json<{ error: { message: string } }>().error.message).toBe(
      "The product 'limited' allows 1 subscription per user (subscriptionsLimit), and /users/ann already holds 'ann-1'; cancel one first, or raise the limit.",
    );
    expect((await sub('bob-1', { ownerId: '/users/bob', state: 'active' })).status).toBe(201);
    expect((await sub('no-owner', { state: 'active' })).status).toBe(201);
    expect((await sub('ann-3', { ownerId: '/users/ann', state: 'cancelled' })).status).toBe(201);
    expect((await patch('ann-3', 'active')).status).toBe(409);
    expect((await patch('ann-1', 'cancelled')).status).toBe(200);
    expect((await patch('ann-3', 'active')).status).toBe(200);
    const shown = await t.admin('GET', `${SVC}/subscriptions/ann-3`);
    expect(shown.json<{ properties: { ownerId: string } }>().properties.ownerId).toBe(`${SVC}/users/ann`);
    const bad = await sub('odd', { ownerId: 'ann' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('ownerId');
  });

  it('refuses malformed or unsupported policies at save time, naming the element and its line', async () => {
    const malformed = await t.admin('PUT', `${SVC}/apis/orders/policies/policy`, {
      properties: {
        format: 'rawxml',
        value: '<policies>\n  <inbound>\n    <base />\n  </inboud>\n</policies>',
      },
    });
    expect(malformed.status).toBe(400);
    const error = malformed.json<{ error: { code: string; details: { path: string }[] } }>().error;
    expect(error.code).toBe('CONTROL_POLICY_INVALID');
    expect(error.details[0]?.path).toMatch(/^line 4/);
    const unsupported = await t.admin('PUT', `${SVC}/apis/orders/policies/policy`, {
      properties: {
        format: 'rawxml',
        value:
          '<policies>\n  <inbound>\n    <base />\n    <cache-lookup vary-by-developer="false" vary-by-developer-groups="false" />\n  </inbound>\n</policies>',
      },
    });
    expect(unsupported.status).toBe(400);
    const text = JSON.stringify(unsupported.json());
    expect(text).toContain('cache-lookup');
    expect(text).toContain('line 4');
    const missingValue = await t.admin('PUT', `${SVC}/apis/orders/policies/policy`, {
      properties: {
        format: 'rawxml',
        value:
          '<policies><inbound><set-header name="x" exists-action="override"><value>{{nope}}</value></set-header></inbound></policies>',
      },
    });
    expect(missingValue.json<{ error: { message: string } }>().error.message).toContain('{{nope}}');
    // Nothing was saved: calls still work.
    expect((await call('/orders/1', withKey('everything'))).status).toBe(200);
  });

  it('never crashes on malformed keys, headers and paths', async () => {
    const odd = ['%', '\u00ff'.repeat(300), 'a'.repeat(10_000), ' ', '=='];
    for (const key of odd) {
      const response = await call(`/orders/1?subscription-key=${encodeURIComponent(key)}`);
      expect(response.status).toBe(401);
    }
    expect((await call('/orders/%E0%A4%A', withKey('everything'))).status).toBe(404);
    expect(
      (await call('/orders/1', { ...withKey('everything'), authorization: 'Bearer x.y.z' })).status,
    ).toBe(200);
    expect((await call('/orders/1', withKey('everything'))).status).toBe(200);
  });

  it('names a missing service before it reads the body: 404, not 400, for a broken body under it', async () => {
    const missing = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/nowhere`;
    const broken = await send(`${t.service.adminUrl}${missing}/apis/orders`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{"properties": ',
    });
    expect(broken.status).toBe(404);
    expect(broken.text).toContain('nowhere');
    // Under a service that exists, the same body is the client's error, named as such.
    const existing = await send(`${t.service.adminUrl}${SVC}/apis/orders2`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{"properties": ',
    });
    expect(existing.status).toBe(400);
  });

  it('creates a service only once with If-None-Match: *, changing nothing of an existing one', async () => {
    const createOnly = (name: string) =>
      send(`${t.service.adminUrl}${PROVIDERS_PATH}/Microsoft.ApiManagement/service/${name}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
          'if-none-match': '*',
        },
        body: JSON.stringify({ properties: { publicNetworkAccess: 'Disabled' } }),
      });
    const again = await createOnly('gw');
    expect(again.status).toBe(409);
    expect(again.json()).toEqual({
      error: {
        code: 'CONTROL_APIM_CONFLICT',
        message: "An API Management service named 'gw' exists already; pick another name.",
      },
    });
    const kept = (await t.admin('GET', SVC)).json<{ properties: { publicNetworkAccess: string } }>();
    expect(kept.properties.publicNetworkAccess).toBe('Enabled');
    expect((await createOnly('gw-once')).status).toBe(201);
  });

  it('creates an API, product or subscription only once with If-None-Match: *, leaving an existing one as it was', async () => {
    const createOnly = (path: string, properties: unknown) =>
      send(`${t.service.adminUrl}${SVC}${path}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
          'if-none-match': '*',
        },
        body: JSON.stringify({ properties }),
      });
    // Without the check, this would have made the keyed product open.
    const product = await createOnly('/products/starter', { subscriptionRequired: false });
    expect(product.status).toBe(409);
    expect(product.json()).toEqual({
      error: {
        code: 'CONTROL_ENTITY_EXISTS',
        message:
          "A product named 'starter' exists already, and If-None-Match: * asks only to create; pick another name, or send the PUT without If-None-Match to replace it.",
      },
    });
    expect((await call('/orders/1')).status).toBe(401);
    const api = await createOnly('/apis/orders', {
      path: 'orders',
      serviceUrl: 'http://127.0.0.1:9/elsewhere',
    });
    expect(api.status).toBe(409);
    expect((await call('/orders/1', withKey('starter-sub'))).status).toBe(200);
    const widened = await createOnly('/subscriptions/public-only', { scope: '/apis', state: 'active' });
    expect(widened.status).toBe(409);
    expect((await call('/orders/1', withKey('public-only'))).status).toBe(401);
    // What does not exist yet is created as without the header.
    expect((await createOnly('/products/fresh', { subscriptionRequired: true })).status).toBe(201);
    // Under a missing API, the 404 is the API's, not a conflict.
    const orphan = await createOnly('/apis/nowhere/operations/get', { method: 'GET', urlTemplate: '/' });
    expect(orphan.status).toBe(404);
  });

  it('tags each version of an entity (ETag) and refuses a write whose If-Match names another one', async () => {
    const withHeaders = (
      method: string,
      path: string,
      headers: Record<string, string>,
      properties?: unknown,
    ) =>
      send(`${t.service.adminUrl}${SVC}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...headers },
        ...(properties === undefined ? {} : { body: JSON.stringify({ properties }) }),
      });
    await put('/products/tagged', { displayName: 'Tagged' });
    const read = await t.admin('GET', `${SVC}/products/tagged`);
    const tag = read.header('etag') ?? '';
    expect(tag).toMatch(/^"[0-9a-f]{24}"$/);
    expect((await t.admin('GET', `${SVC}/products/tagged`)).header('etag')).toBe(tag);
    const changed = await withHeaders(
      'PUT',
      '/products/tagged',
      { 'if-match': tag },
      { displayName: 'Tagged 2' },
    );
    expect(changed.status).toBe(200);
    const newTag = changed.header('etag');
    expect(newTag).not.toBe(tag);
    // A write based on the old version is refused and changes nothing.
    const stale = await withHeaders('DELETE', '/products/tagged', { 'if-match': tag });
    expect(stale.status).toBe(412);
    expect(stale.json<{ error: { code: string } }>().error.code).toBe('CONTROL_PRECONDITION_FAILED');
    expect((await t.admin('GET', `${SVC}/products/tagged`)).status).toBe(200);
    // If-Match naming a version with nothing there does not create.
    expect((await withHeaders('PUT', '/products/ghost', { 'if-match': tag }, {})).status).toBe(412);
    expect((await t.admin('GET', `${SVC}/products/ghost`)).status).toBe(404);
    expect((await withHeaders('DELETE', '/products/tagged', { 'if-match': newTag ?? '' })).status).toBe(204);
  });

  /** @see docs/decisions/0127-apim-legacy-clashes.md (Terraform's azurerm provider creates APIs this way) */
  it('creates an entity a PUT with If-Match: * names when there is none, as Azure API Management does', async () => {
    const ifMatchAny = (path: string, properties: unknown) =>
      send(`${t.service.adminUrl}${SVC}${path}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
          'if-match': '*',
        },
        body: JSON.stringify({ properties }),
      });
    const created = await ifMatchAny('/apis/from-terraform;rev=1', {
      path: 'from-terraform',
      serviceUrl: `${backend.url}/api`,
      displayName: 'From Terraform',
      protocols: ['https'],
    });
    expect(created.status, created.text).toBe(201);
    expect(created.header('etag')).toMatch(/^"[0-9a-f]{24}"$/);
    expect((await t.admin('GET', `${SVC}/apis/from-terraform`)).status).toBe(200);
    const again = await ifMatchAny('/apis/from-terraform;rev=1', {
      path: 'from-terraform',
      serviceUrl: `${backend.url}/api`,
      displayName: 'From Terraform, updated',
      protocols: ['https'],
    });
    expect(again.status, again.text).toBe(200);
    const product = await ifMatchAny('/products/from-terraform', { displayName: 'From Terraform' });
    expect(product.status, product.text).toBe(201);
  });

  it('deletes the subscriptions scoped to an API with it: their keys never open a later API of that id', async () => {
    await put('/apis/temp', { path: 'temp', serviceUrl: `${backend.url}/api` });
    await put('/apis/temp/operations/get', { method: 'GET', urlTemplate: '/*' });
    await subscribe('temp-only', '/apis/temp');
    expect((await call('/temp/x', withKey('temp-only'))).status).toBe(200);
    expect((await t.admin('DELETE', `${SVC}/apis/temp`)).status).toBe(204);
    expect((await t.admin('GET', `${SVC}/subscriptions/temp-only`)).status).toBe(404);
    // Subscriptions to other scopes stay.
    expect((await t.admin('GET', `${SVC}/subscriptions/everything`)).status).toBe(200);
    await put('/apis/temp', { path: 'internal', serviceUrl: `${backend.url}/internal` });
    await put('/apis/temp/operations/get', { method: 'GET', urlTemplate: '/*' });
    expect((await call('/internal/users', withKey('temp-only'))).status).toBe(401);
  });

  it('refuses a subscription key that another subscription holds, without quoting it', async () => {
    const taken = keys.get('starter-sub') ?? '';
    const copy = await t.admin('PUT', `${SVC}/subscriptions/copycat`, {
      properties: { scope: '/apis', state: 'active', secondaryKey: taken },
    });
    expect(copy.status).toBe(409);
    const message = copy.json<{ error: { message: string } }>().error.message;
    expect(message).toBe(
      "The secondaryKey given is already a key of the subscription 'starter-sub'; each key may open one subscription only. Give another key, or leave secondaryKey out to have one generated.",
    );
    expect(message).not.toContain(taken);
    expect((await t.admin('GET', `${SVC}/subscriptions/copycat`)).status).toBe(404);
    // A subscription may keep its own keys when it is replaced, and hold the same key twice.
    await put('/subscriptions/starter-sub', {
      scope: '/products/starter',
      state: 'active',
      primaryKey: taken,
    });
    await put('/subscriptions/twice', {
      scope: '/apis',
      state: 'active',
      primaryKey: 'k-twice',
      secondaryKey: 'k-twice',
    });
    expect((await call('/orders/1', withKey('starter-sub'))).status).toBe(200);
  });

  it('never shows a secret named value in a policy error, not even one character of it', async () => {
    const secret = 'TOPSECRET\u20ac';
    await put('/namedValues/token', { displayName: 'token', value: 'plain', secret: true });
    const policy = (value: string) =>
      t.admin('PUT', `${SVC}/apis/public/policies/policy`, {
        properties: {
          format: 'rawxml',
          value: `<policies><inbound><base /><set-header name="x-token" exists-action="override"><value>{{token}}</value></set-header>${value}</inbound></policies>`,
        },
      });
    expect((await policy('')).status).toBe(201);
    const changed = await t.admin('PUT', `${SVC}/namedValues/token`, {
      properties: { displayName: 'token', value: secret, secret: true },
    });
    expect(changed.status).toBe(400);
    expect(changed.text).not.toContain('\u20ac');
    expect(changed.text).not.toContain('TOPSECRET');
    expect(changed.json<{ error: { message: string } }>().error.message).toContain(
      'the value of the secret named value {{token}} cannot stand here',
    );
    // A problem of the document itself is still told in full beside it.
    const both = await policy('<rate-limit calls="many" renewal-period="60" />');
    expect(both.status).toBe(400);
    expect(both.text).toContain('many');
    expect((await t.admin('DELETE', `${SVC}/apis/public/policies/policy`)).status).toBe(204);
  });
});
