/**
 * Linked backends other than API Management, and every linking rule: web apps and container apps (an
 * existing HTTP service at a backend URL), function apps (Portico runs them and admits only tokens of
 * their linked site), Standard plan only, no pull-request environments, one backend per environment,
 * no managed functions beside a backend, only redirects and role rules on /api, network isolation, and
 * one site per app. Real sockets, real SQLite, a real backend on loopback.
 * @see spec/swa-behaviour.md §3.2–3.4; issue 5 "Linked backends"
 */
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send, writeApp } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import {
  ADMIN_TOKEN,
  deployFolders,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
  uploadFunctionApp,
} from '../helpers/service.js';

const FUNCTION_APP_DIR = fileURLToPath(new URL('../fixtures/functionapp/api', import.meta.url));
const API_DIR = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
const WEB = `${PROVIDERS_PATH}/Microsoft.Web/sites`;
const CONTAINERS = `${PROVIDERS_PATH}/Microsoft.App/containerApps`;

interface Created {
  host: string;
  token: string;
}

describe('portico serve: linked web apps, container apps and function apps', () => {
  let t: TestService;
  let backend: Backend;
  const sites = new Map<string, Created>();

  async function site(name: string, sku: 'Free' | 'Standard', config?: unknown): Promise<Created> {
    const created = await t.admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: sku } });
    const { defaultHostname, apiKey } = created.json<{
      properties: { defaultHostname: string; apiKey: string };
    }>().properties;
    const app = await writeApp({ 'index.html': `<h1>${name}</h1>` }, config);
    expect((await deployFolders(t.service, apiKey, app)).status).toBe(200);
    const result = { host: defaultHostname, token: apiKey };
    sites.set(name, result);
    return result;
  }

  const link = (siteName: string, type: string, resource: string, env = 'default') => {
    const id =
      type === 'containerapp'
        ? `${CONTAINERS}/${resource}`
        : type === 'apim'
          ? `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/${resource}`
          : `${WEB}/${resource}`;
    const path = env === 'default' ? `${SITES_PATH}/${siteName}` : `${SITES_PATH}/${siteName}/builds/${env}`;
    return t.admin('PUT', `${path}/linkedBackends/${resource}`, {
      properties: { backendResourceId: id, backendType: type },
    });
  };
  /** `/api/whoami` of the site `functions`, signed in as ada (a test session of the site). */
  const whoamiAsAda = async () => {
    const session = await t.admin('POST', `${SITES_PATH}/functions/createTestSession`, {
      properties: { provider: 'github', userDetails: 'ada' },
    });
    const { cookieName, cookieValue } = session.json<{
      properties: { cookieName: string; cookieValue: string };
    }>().properties;
    return t.get(sites.get('functions')?.host ?? '', '/api/whoami', {
      headers: { cookie: `${cookieName}=${cookieValue}` },
    });
  };
  const messageOf = (response: { json<T>(): T }) =>
    response.json<{ error: { code: string; message: string } }>().error;

  beforeAll(async () => {
    t = await startTestService();
    backend = await startBackend();
    expect(
      (await t.admin('PUT', `${WEB}/orders`, { kind: 'app', properties: { backendUrl: backend.url } }))
        .status,
    ).toBe(201);
    expect(
      (await t.admin('PUT', `${CONTAINERS}/catalog`, { properties: { backendUrl: backend.url } })).status,
    ).toBe(201);
    expect(
      (
        await t.admin('PUT', `${WEB}/private`, {
          kind: 'app',
          properties: { backendUrl: backend.url, publicNetworkAccess: 'Disabled' },
        })
      ).status,
    ).toBe(201);
    await site('web', 'Standard');
    await site('containers', 'Standard');
    await site('functions', 'Standard');
    await site('free', 'Free');
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('proxies the whole /api path unchanged to a web app, with the site token for its origin', async () => {
    expect((await link('web', 'webapp', 'orders')).status).toBe(200);
    const response = await t.get(sites.get('web')?.host ?? '', '/api/orders/42?x=1');
    expect(response.status).toBe(200);
    const seen = backend.requests.at(-1) as EchoRequest;
    expect(seen.url).toBe('/api/orders/42?x=1');
    expect(seen.headers['x-ms-original-url']).toContain('/api/orders/42?x=1');
    expect(decodeJwt(String(seen.headers['x-ms-auth-token'])).aud).toBe(backend.url);
  });

  it('does the same for a container app', async () => {
    expect((await link('containers', 'containerapp', 'catalog')).status).toBe(200);
    expect((await t.get(sites.get('containers')?.host ?? '', '/api/items')).status).toBe(200);
    expect((backend.requests.at(-1) as EchoRequest).url).toBe('/api/items');
  });

  it('updates a linked container app on a second PUT (ARM create-or-update), its /api following the new URL at once', async () => {
    const second = await startBackend();
    try {
      const updated = await t.admin('PUT', `${CONTAINERS}/catalog`, {
        properties: { backendUrl: second.url },
      });
      expect(updated.status, updated.text).toBe(200);
      expect(updated.json<{ properties: { backendUrl: string } }>().properties.backendUrl).toBe(second.url);
      await eventually(async () => {
        await t.get(sites.get('containers')?.host ?? '', '/api/items');
        return second.requests.length > 0;
      });
      expect((second.requests.at(-1) as EchoRequest).url).toBe('/api/items');
      const createOnly = await send(`${t.service.adminUrl}${CONTAINERS}/catalog`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
          'if-none-match': '*',
        },
        body: JSON.stringify({ properties: { backendUrl: backend.url } }),
      });
      expect(createOnly.status).toBe(409);
      // Another kind under a web app's name is refused, not turned into it.
      const otherKind = await t.admin('PUT', `${WEB}/orders`, { kind: 'functionapp' });
      expect(otherKind.status).toBe(409);
      expect(otherKind.text).toContain("A web app named 'orders' exists already");
    } finally {
      await t.admin('PUT', `${CONTAINERS}/catalog`, { properties: { backendUrl: backend.url } });
      await second.close();
    }
  });

  it('answers a clear 404 on a linked environment until an app is deployed to it', async () => {
    const created = await t.admin('PUT', `${SITES_PATH}/undeployed`, { sku: { name: 'Standard' } });
    const host = created.json<{ properties: { defaultHostname: string } }>().properties.defaultHostname;
    await t.admin('PUT', `${CONTAINERS}/undeployed-api`, { properties: { backendUrl: backend.url } });
    expect((await link('undeployed', 'containerapp', 'undeployed-api')).status).toBe(200);
    const before = backend.requests.length;
    const answer = await t.get(host, '/api/orders');
    expect(answer.status).toBe(404);
    expect(answer.text).toBe(
      'Nothing is deployed to this environment (undeployed, production) yet: deploy an app to it first. Its pages and its /api, a linked backend included, answer once a deployment is live.\n',
    );
    expect(backend.requests.length).toBe(before);
    expect((await t.get('unknown.portico.test', '/')).text).toBe('No site is served at this host name.\n');
  });

  it('refuses a web app already linked to another site, and a network-isolated one', async () => {
    const second = await link('containers', 'webapp', 'orders', 'default');
    expect(second.status).toBe(400);
    expect(messageOf(second).message).toMatch(
      /already linked to the environment|one backend at a time|linked to the static site 'web'/,
    );
    await t.admin('DELETE', `${SITES_PATH}/containers/linkedBackends/catalog`);
    const taken = await link('containers', 'webapp', 'orders');
    expect(messageOf(taken)).toMatchObject({ code: 'CONTROL_LINK_REFUSED' });
    expect(messageOf(taken).message).toContain("already linked to the static site 'web'");
    const isolated = await link('containers', 'webapp', 'private');
    expect(messageOf(isolated).message).toContain('network-isolated backends are not supported');
  });

  it('refuses the Free plan and pull-request environments, naming the rule', async () => {
    const free = await link('free', 'webapp', 'orders');
    expect(free.status).toBe(400);
    expect(free.json()).toEqual({
      error: {
        code: 'CONTROL_LINK_REFUSED',
        message:
          "Linking a backend needs the Standard plan; 'free' is on Free. Change it with 'portico site plan free standard'.",
        problem: "Linking a backend needs the Standard plan; 'free' is on Free.",
        remedy: { kind: 'standard-plan', site: 'free' },
      },
    });
    const web = sites.get('web') as Created;
    const app = await writeApp({ 'index.html': 'pr' });
    expect((await deployFolders(t.service, web.token, app, { environment: '42' })).status).toBe(200);
    const pr = await link('web', 'webapp', 'orders', '42');
    expect(messageOf(pr).message).toContain('pull-request environments');
  });

  it('refuses a second backend in the same environment, and a wrong --backend-type', async () => {
    const second = await link('web', 'containerapp', 'catalog');
    expect(messageOf(second).message).toContain('one backend at a time');
    const wrongType = await link('containers', 'functionapp', 'orders');
    expect(messageOf(wrongType).message).toMatch(/no function app named 'orders'|not a functionapp/);
  });

  it('refuses managed functions and /api rewrites in a linked environment, at deploy and at link time', async () => {
    const web = sites.get('web') as Created;
    const app = await writeApp({ 'index.html': 'v2' });
    const withApi = await deployFolders(t.service, web.token, app, { apiDir: API_DIR });
    expect(withApi.status).toBe(400);
    expect(withApi.json<{ error: { message: string } }>().error.message).toContain('managed functions');
    const rewriting = await writeApp(
      { 'index.html': 'v3' },
      { routes: [{ route: '/api/old', rewrite: '/api/new' }] },
    );
    const refused = await deployFolders(t.service, web.token, rewriting);
    expect(refused.json<{ error: { message: string } }>().error.message).toContain(
      'routes[0].rewrite (route /api/old)',
    );
    // Both deploys changed nothing: /api still reaches the web app.
    expect((await t.get(web.host, '/api/still')).status).toBe(200);
    const containers = sites.get('containers') as Created;
    expect((await deployFolders(t.service, containers.token, rewriting)).status).toBe(200);
    const atLink = await link('containers', 'containerapp', 'catalog');
    expect(messageOf(atLink).message).toContain('route rules on /api may only redirect or restrict roles');
  });

  it('runs a function app that answers only requests carrying its linked site token', async () => {
    expect((await t.admin('PUT', `${WEB}/inventory`, { kind: 'functionapp', properties: {} })).status).toBe(
      201,
    );
    const uploaded = await uploadFunctionApp(t, 'inventory', FUNCTION_APP_DIR);
    expect(uploaded.status).toBe(200);
    const fnHost = 'inventory.azurewebsites.portico.test';
    const direct = await t.get(fnHost, '/api/whoami');
    expect(direct.status).toBe(401);
    expect(direct.json<{ message: string }>().message).toContain(
      'accepts only requests proxied by its linked static web app',
    );
    expect((await link('functions', 'functionapp', 'inventory')).status).toBe(200);
    const call = await whoamiAsAda();
    expect(call.status).toBe(200);
    const body = call.json<{ url: string; principal: string; token: boolean }>();
    expect(new URL(body.url).pathname).toBe('/api/whoami');
    expect(body.token).toBe(true);
    expect(JSON.parse(Buffer.from(body.principal, 'base64').toString()).userDetails).toBe('ada');
    // A token of another site is refused.
    const webToken = String((backend.requests.at(-1) as EchoRequest).headers['x-ms-auth-token']);
    const foreign = await t.get(fnHost, '/api/whoami', { headers: { authorization: `Bearer ${webToken}` } });
    expect(foreign.status).toBe(401);
  }, 180_000);

  it('runs the function app again after the service restarts on the same data folder', async () => {
    // A restart prunes the deployment folders no environment uses; the function app's must stay.
    await t.close();
    // A new free port: the linked site reaches its function app through the listener, whose port is known
    // only once it listens, after the environments loaded at start were built.
    t = await startTestService({ dataDir: t.dataDir });
    const call = await whoamiAsAda();
    expect(call.status, call.text).toBe(200);
    expect(call.json<{ token: boolean }>().token).toBe(true);
  }, 180_000);

  it('keeps refusing direct calls after unlink', async () => {
    expect((await t.admin('DELETE', `${SITES_PATH}/functions/linkedBackends/inventory`)).status).toBe(204);
    const after = await t.get(sites.get('functions')?.host ?? '', '/api/whoami');
    expect(after.status).toBe(404);
    expect((await t.get('inventory.azurewebsites.portico.test', '/api/whoami')).status).toBe(401);
  });
});
