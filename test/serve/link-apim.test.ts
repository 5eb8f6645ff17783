/**
 * Linking a site environment to an API Management service, as a user of `portico serve` sees it: the
 * product, subscription and validate-jwt policy linking creates; the 401 until an API is added to the
 * product; proxying with a fresh token and the subscription key; a regenerated key or a changed policy
 * breaking the link, `backends` saying why, repair; unlink keeping product and subscription. Real
 * sockets, real SQLite, a real backend on loopback.
 * @see spec/apim.md §3–4; spec/swa-behaviour.md §3.4; issue 5 "The link flow for API Management"
 */
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, writeApp } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { findFreePort } from '../helpers/devserver.js';
import { recordingLogger } from '../helpers/functions-host.js';
import {
  deployFolders,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';
import { parsePrometheus, sampleValue } from '../ops/prometheus.js';

const APIM = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service`;
const INVALID_KEY =
  'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.';

/** A free port that is not `port`, so a restart surely changes the service's address. */
async function portOtherThan(port: number): Promise<number> {
  let free = await findFreePort();
  while (free === port) {
    free = await findFreePort();
  }
  return free;
}

interface LinkResource {
  properties: { status: 'Healthy' | 'Broken'; problems: string[]; backendType: string; resourceName: string };
}

describe('portico serve: a site linked to an API Management service', () => {
  let t: TestService;
  let backend: Backend;
  let host: string;
  let gatewayHost: string;

  const link = () =>
    t.admin('PUT', `${SITES_PATH}/shop/linkedBackends/contoso`, {
      properties: { backendResourceId: `${APIM}/contoso`, backendType: 'apim' },
    });
  const status = async () =>
    (await t.admin('GET', `${SITES_PATH}/shop/linkedBackends`)).json<{ value: LinkResource[] }>().value[0];
  const lastRequest = (): EchoRequest => backend.requests.at(-1) as EchoRequest;
  /** The node's gauge of environments it cannot serve, from its `/metrics`. */
  const unservable = async () =>
    sampleValue(parsePrometheus((await t.admin('GET', '/metrics')).text), 'portico_environments_unservable');

  beforeAll(async () => {
    t = await startTestService();
    backend = await startBackend();
    const site = await t.admin('PUT', `${SITES_PATH}/shop`, { sku: { name: 'Standard' } });
    const { defaultHostname, apiKey } = site.json<{
      properties: { defaultHostname: string; apiKey: string };
    }>().properties;
    host = defaultHostname;
    const app = await writeApp({ 'index.html': '<h1>shop</h1>' });
    expect((await deployFolders(t.service, apiKey, app)).status).toBe(200);
    const apim = await t.admin('PUT', `${APIM}/contoso`, { properties: {} });
    expect(apim.status).toBe(201);
    gatewayHost = apim.json<{ properties: { gatewayHostname: string } }>().properties.gatewayHostname;
    expect(gatewayHost).toBe('contoso.azure-api.portico.test');
    const api = await t.admin('PUT', `${APIM}/contoso/apis/products`, {
      properties: { path: 'api', serviceUrl: `${backend.url}/api`, protocols: ['http', 'https'] },
    });
    expect(api.status).toBe(201);
    const op = await t.admin('PUT', `${APIM}/contoso/apis/products/operations/get-products`, {
      properties: { method: 'GET', urlTemplate: '/getProducts' },
    });
    expect(op.status).toBe(201);
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('creates the product, the subscription and the product policy Azure creates', async () => {
    const linked = await link();
    expect(linked.status).toBe(200);
    expect(linked.json<LinkResource>().properties).toMatchObject({ status: 'Healthy', backendType: 'apim' });
    const products = (await t.admin('GET', `${APIM}/contoso/products`)).json<{
      value: { name: string; properties: { displayName: string; subscriptionRequired: boolean } }[];
    }>().value;
    const product = products.find(
      (p) => p.properties.displayName === `Azure Static Web Apps - ${host} (Linked)`,
    );
    expect(product?.properties.subscriptionRequired).toBe(true);
    const subscriptions = (await t.admin('GET', `${APIM}/contoso/subscriptions`)).json<{
      value: { properties: { displayName: string; scope: string; state: string } }[];
    }>().value;
    const subscription = subscriptions.find(
      (s) =>
        s.properties.displayName === `Generated for Static Web Apps resource with default hostname: ${host}`,
    );
    expect(subscription?.properties.state).toBe('active');
    expect(subscription?.properties.scope).toMatch(new RegExp(`/products/${product?.name}$`));
    const policy = await t.admin('GET', `${APIM}/contoso/products/${product?.name}/policies/policy`);
    const xml = policy.json<{ properties: { value: string } }>().properties.value;
    expect(xml).toContain('<validate-jwt');
    expect(xml).toContain(`<issuer>http://${host}:${t.service.port}/.auth</issuer>`);
    expect(xml).toContain(
      `<openid-config url="http://${host}:${t.service.port}/.auth/.well-known/openid-configuration" />`,
    );
  });

  it("answers APIM's invalid-key 401 until an API is added to the product", async () => {
    const response = await t.get(host, '/api/getProducts');
    expect(response.status).toBe(401);
    expect(response.json()).toEqual({ statusCode: 401, message: INVALID_KEY });
  });

  it('proxies the same path with a fresh token and the subscription key once the API is in the product', async () => {
    const product = `swa-${host.split('.')[0]}`;
    expect((await t.admin('PUT', `${APIM}/contoso/products/${product}/apis/products`)).status).toBe(201);
    const response = await t.get(host, '/api/getProducts?color=red');
    expect(response.status).toBe(200);
    const seen = lastRequest();
    expect(seen.url).toBe('/api/getProducts?color=red');
    // The gateway strips the subscription key; the token reaches the backend in both headers.
    expect(seen.headers['ocp-apim-subscription-key']).toBeUndefined();
    const token = String(seen.headers['x-ms-auth-token']);
    expect(seen.headers.authorization).toBe(`Bearer ${token}`);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: `http://${host}:${t.service.port}/.auth`,
      aud: `http://${gatewayHost}:${t.service.port}`,
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);
  });

  it('publishes the openid-configuration and JWKS that validate the token', async () => {
    const config = (await t.get(host, '/.auth/.well-known/openid-configuration')).json<{
      issuer: string;
      jwks_uri: string;
    }>();
    expect(config.issuer).toBe(`http://${host}:${t.service.port}/.auth`);
    const jwks = (await t.get(host, new URL(config.jwks_uri).pathname)).json<{ keys: object[] }>();
    await t.get(host, '/api/getProducts');
    const token = String(lastRequest().headers['x-ms-auth-token']);
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never), {
      issuer: config.issuer,
      audience: `http://${gatewayHost}:${t.service.port}`,
    });
    expect(payload.sub).toBe('anonymous');
  });

  it('refuses a direct call to the gateway that has the key but no token from the site', async () => {
    const keys = (
      await t.admin('POST', `${APIM}/contoso/subscriptions/swa-${host.split('.')[0]}/listSecrets`)
    ).json<{
      primaryKey: string;
    }>();
    const response = await t.get(gatewayHost, '/api/getProducts', {
      headers: { 'ocp-apim-subscription-key': keys.primaryKey },
    });
    expect(response.status).toBe(401);
    expect(response.json()).toEqual({ statusCode: 401, message: 'JWT not present.' });
  });

  it('breaks when the key is regenerated, says why, and works again after a repair', async () => {
    const sub = `swa-${host.split('.')[0]}`;
    expect((await t.admin('POST', `${APIM}/contoso/subscriptions/${sub}/regeneratePrimaryKey`)).status).toBe(
      204,
    );
    const broken = await t.get(host, '/api/getProducts');
    expect(broken.status).toBe(401);
    expect(broken.json()).toEqual({ statusCode: 401, message: INVALID_KEY });
    const report = await status();
    expect(report?.properties.status).toBe('Broken');
    expect(report?.properties.problems.join(' ')).toContain('primary key');
    const repaired = await t.admin('POST', `${SITES_PATH}/shop/linkedBackends/contoso/repair`);
    expect(repaired.json<LinkResource>().properties.status).toBe('Healthy');
    expect((await t.get(host, '/api/getProducts')).status).toBe(200);
  });

  it('breaks when the product policy is changed, and repair restores it', async () => {
    const product = `swa-${host.split('.')[0]}`;
    const wrong = (await t.admin('GET', `${APIM}/contoso/products/${product}/policies/policy`))
      .json<{ properties: { value: string } }>()
      .properties.value.replace(
        /<audience>[^<]*<\/audience>/,
        '<audience>https://elsewhere.example</audience>',
      );
    const changed = await t.admin('PUT', `${APIM}/contoso/products/${product}/policies/policy`, {
      properties: { format: 'rawxml', value: wrong },
    });
    expect(changed.status).toBe(200);
    const broken = await t.get(host, '/api/getProducts');
    expect(broken.status).toBe(401);
    expect(broken.json<{ message: string }>().message).toMatch(
      /Audience validation failed.*Access denied\.$/,
    );
    expect((await status())?.properties.problems.join(' ')).toContain('validate-jwt policy');
    await t.admin('POST', `${SITES_PATH}/shop/linkedBackends/contoso/repair`);
    expect((await t.get(host, '/api/getProducts')).status).toBe(200);
  });

  it('breaks when the linked product is renamed, opened or unpublished, and repair restores what linking made', async () => {
    const product = `swa-${host.split('.')[0]}`;
    const path = `${APIM}/contoso/products/${product}`;
    const original = (await t.admin('GET', path)).json<{ properties: Record<string, unknown> }>().properties;
    const changes: [Record<string, unknown>, string][] = [
      [{ displayName: 'Renamed' }, `the product '${product}' was renamed to 'Renamed'`],
      [{ subscriptionRequired: false }, `the product '${product}' no longer requires a subscription`],
      [{ state: 'notPublished' }, `the product '${product}' was unpublished`],
    ];
    for (const [change, problem] of changes) {
      const changed = await t.admin('PUT', path, {
        properties: { ...original, terms: 'kept by repair', ...change },
      });
      expect(changed.status).toBe(200);
      const report = await status();
      expect(report?.properties.status).toBe('Broken');
      expect(report?.properties.problems).toContainEqual(expect.stringContaining(problem));
      const repaired = await t.admin('POST', `${SITES_PATH}/shop/linkedBackends/contoso/repair`);
      expect(repaired.json<LinkResource>().properties).toMatchObject({ status: 'Healthy', problems: [] });
      const restored = (await t.admin('GET', path)).json<{ properties: Record<string, unknown> }>()
        .properties;
      expect(restored).toMatchObject({
        displayName: `Azure Static Web Apps - ${host} (Linked)`,
        subscriptionRequired: true,
        state: 'published',
        terms: 'kept by repair',
      });
    }
    expect((await t.get(host, '/api/getProducts')).status).toBe(200);
  });

  it('stops proxying on unlink and leaves the product and subscription in place', async () => {
    expect((await t.admin('DELETE', `${SITES_PATH}/shop/linkedBackends/contoso`)).status).toBe(204);
    expect((await t.get(host, '/api/getProducts')).status).toBe(404);
    const sub = `swa-${host.split('.')[0]}`;
    expect((await t.admin('GET', `${APIM}/contoso/subscriptions/${sub}`)).status).toBe(200);
    expect((await t.admin('GET', `${APIM}/contoso/products/${sub}`)).status).toBe(200);
    expect(
      (await t.admin('GET', `${SITES_PATH}/shop/linkedBackends`)).json<{ value: unknown[] }>().value,
    ).toEqual([]);
  });

  it('refuses to delete a service that a site is linked to, naming the site', async () => {
    expect((await link()).status).toBe(200);
    const refused = await t.admin('DELETE', `${APIM}/contoso`);
    expect(refused.status).toBe(409);
    expect(refused.json<{ error: { message: string } }>().error.message).toContain("'shop'");
  });

  it('moves the other links when one cannot be read at start, says which, serves that site a 503, and tries it again', async () => {
    const second = await t.admin('PUT', `${SITES_PATH}/shop2`, { sku: { name: 'Standard' } });
    const { defaultHostname: host2, apiKey } = second.json<{
      properties: { defaultHostname: string; apiKey: string };
    }>().properties;
    const app = await writeApp({ 'index.html': '<h1>shop2</h1>' });
    expect((await deployFolders(t.service, apiKey, app)).status).toBe(200);
    const linked = await t.admin('PUT', `${SITES_PATH}/shop2/linkedBackends/contoso`, {
      properties: { backendResourceId: `${APIM}/contoso`, backendType: 'apim' },
    });
    expect(linked.status).toBe(200);
    const product2 = `swa-${host2.split('.')[0]}`;
    expect((await t.admin('PUT', `${APIM}/contoso/products/${product2}/apis/products`)).status).toBe(201);
    expect((await t.get(host2, '/api/getProducts')).status).toBe(200);
    expect((await t.get(host, '/api/getProducts')).status).toBe(200);
    // The first site's link details no longer unseal (say, a row restored from another service).
    const environment = await t.service.control.db
      .selectFrom('environments')
      .select('id')
      .where('hostname', '=', host)
      .executeTakeFirstOrThrow();
    const setSealed = (details_sealed: string) =>
      t.service.control.db
        .updateTable('linked_backends')
        .set({ details_sealed })
        .where('environment_id', '=', environment.id)
        .execute();
    const { details_sealed: sealed } = await t.service.control.db
      .selectFrom('linked_backends')
      .select('details_sealed')
      .where('environment_id', '=', environment.id)
      .executeTakeFirstOrThrow();
    await setSealed('not sealed by this service');

    const logger = recordingLogger();
    const { lines } = logger;
    const { port } = t.service;
    await t.close();
    t = await startTestService({
      dataDir: t.dataDir,
      logger,
      extra: { port: await portOtherThan(port), retryBrokenMs: 200 },
    });
    expect((await t.get(host2, '/api/getProducts')).status).toBe(200);
    expect(lines).toContainEqual(
      expect.stringContaining(`warn: Could not move the link of environment ${environment.id}`),
    );
    // That environment fails closed, and says it cannot be served rather than that nothing is deployed.
    for (const path of ['/api/getProducts', '/']) {
      const closed = await t.get(host, path);
      expect(closed.status).toBe(503);
      expect(closed.text).toBe('This site cannot be served right now. Try again in a few minutes.\n');
    }
    // It is tried again on its own; an attempt that fails for the reason already logged goes to the debug
    // log, not to the errors, so a site broken for a day does not fill the log.
    await eventually(async () =>
      lines.some((line) => line.startsWith(`debug: cannot serve ${host} (attempt 3)`)),
    );
    const failures = lines.filter((line) => line.startsWith(`error: cannot serve ${host}:`));
    expect(failures).toEqual([expect.stringContaining('decrypt')]);
    // What an operator alerts on, rather than the log.
    expect(await unservable()).toBe(1);
    // Once the details open again, the environment is served again without any change to it: its link,
    // not moved at start, still expects tokens for the old port, until a repair.
    await setSealed(sealed);
    await eventually(async () => (await t.get(host, '/api/getProducts')).status === 401);
    expect(await unservable()).toBe(0);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^info: serving ${host.replaceAll('.', '\\.')} again, after \\d+ failed attempts$`),
      ),
    );
    expect((await t.get(host, '/')).status).toBe(200);
    await t.admin('POST', `${SITES_PATH}/shop/linkedBackends/contoso/repair`);
    expect((await t.get(host, '/api/getProducts')).status).toBe(200);
    expect((await t.admin('DELETE', `${SITES_PATH}/shop2/linkedBackends/contoso`)).status).toBe(204);
  });

  it('keeps working when the service restarts at another port, and leaves a policy the user changed alone', async () => {
    const product = `swa-${host.split('.')[0]}`;
    const policyPath = `${APIM}/contoso/products/${product}/policies/policy`;
    const policyOf = async () =>
      (await t.admin('GET', policyPath)).json<{ properties: { value: string } }>().properties.value;
    expect((await t.get(host, '/api/getProducts')).status).toBe(200);
    const restartElsewhere = async () => {
      const { port } = t.service;
      await t.close();
      t = await startTestService({ dataDir: t.dataDir, extra: { port: await portOtherThan(port) } });
    };

    await restartElsewhere();
    expect((await t.get(host, '/api/getProducts')).status).toBe(200);
    expect(decodeJwt(String(lastRequest().headers['x-ms-auth-token'])).aud).toBe(
      `http://${gatewayHost}:${t.service.port}`,
    );
    expect(await policyOf()).toContain(`<issuer>http://${host}:${t.service.port}/.auth</issuer>`);
    expect((await status())?.properties).toMatchObject({ status: 'Healthy', problems: [] });
    // What another node at another port would have written: the status names the address it expects.
    const elsewhere = (await policyOf()).replaceAll(`:${t.service.port}`, ':1');
    await t.admin('PUT', policyPath, { properties: { format: 'rawxml', value: elsewhere } });
    expect((await status())?.properties.problems).toEqual([
      `the validate-jwt policy of the product '${product}' expects tokens for http://${gatewayHost}:1, but the gateway now answers at http://${gatewayHost}:${t.service.port}`,
    ]);
    await t.admin('POST', `${SITES_PATH}/shop/linkedBackends/contoso/repair`);

    const edited = (await policyOf()).replace(
      'failed-validation-httpcode="401"',
      'failed-validation-httpcode="403"',
    );
    expect(
      (await t.admin('PUT', policyPath, { properties: { format: 'rawxml', value: edited } })).status,
    ).toBe(200);
    await restartElsewhere();
    expect(await policyOf()).toBe(edited);
    expect((await t.get(host, '/api/getProducts')).status).toBe(403);
    expect((await status())?.properties.problems).toContainEqual(
      expect.stringContaining('validate-jwt policy'),
    );
    await t.admin('POST', `${SITES_PATH}/shop/linkedBackends/contoso/repair`);
    expect((await t.get(host, '/api/getProducts')).status).toBe(200);
  });
});
