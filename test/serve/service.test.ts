/**
 * `portico serve` over real sockets: the management API, deployments with a deployment token, serving by
 * Host, environment isolation, app settings reaching managed functions, and restarts on the same data.
 * @see issue 4 "Done when"
 */
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, writeApp } from '../helpers/app.js';
import {
  ADMIN_TOKEN,
  deployFolders,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  stageFolders,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const API_DIR = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));

interface SiteBody {
  name: string;
  properties: { defaultHostname: string; apiKey?: string };
  sku: { name: string };
}

/** An admin token short enough to guess, so wrong ones are counted. */
const SHORT_TOKEN = 'short-token';

describe('portico serve', () => {
  let t: TestService;
  let host: string;
  let token: string;

  beforeAll(async () => {
    t = await startTestService();
    const created = await t.admin('PUT', `${SITES_PATH}/shop`, { sku: { name: 'Standard' } });
    expect(created.status).toBe(201);
    const body = created.json<SiteBody>();
    host = body.properties.defaultHostname;
    token = body.properties.apiKey ?? '';
  });
  afterAll(async () => {
    await t.close();
    await removeData(t.dataDir);
  });

  describe('management API', () => {
    it('refuses calls without the admin token, with the one error shape', async () => {
      const response = await t.admin('GET', SITES_PATH, undefined, 'wrong');
      expect(response.status).toBe(401);
      expect(response.json()).toEqual({
        error: { code: 'CONTROL_UNAUTHORIZED', message: expect.stringContaining('Bearer') },
      });
    });

    it('shows and lists sites in Azure shapes, and explains unknown names', async () => {
      const site = await t.admin('GET', `${SITES_PATH}/shop?api-version=2023-01-01`);
      expect(site.json()).toMatchObject({
        id: `${SITES_PATH}/shop`,
        name: 'shop',
        type: 'Microsoft.Web/staticSites',
        sku: { name: 'Standard', tier: 'Standard' },
        properties: { defaultHostname: host },
      });
      const list = await t.admin('GET', SITES_PATH);
      expect(list.json<{ value: SiteBody[] }>().value.map((s) => s.name)).toContain('shop');
      const missing = await t.admin('GET', `${SITES_PATH}/nope`);
      expect(missing.status).toBe(404);
      expect(missing.json()).toMatchObject({
        error: { code: 'CONTROL_SITE_NOT_FOUND', message: expect.stringContaining('portico site list') },
      });
      const wrongGroup = await t.admin('GET', SITES_PATH.replace('/portico/', '/other/'));
      expect(wrongGroup.status).toBe(404);
    });

    it('describes itself in /openapi.json without a token', async () => {
      const response = await t.admin('GET', '/openapi.json', undefined, '');
      const doc = response.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
      expect(doc.openapi).toBe('3.1.0');
      expect(
        Object.keys(
          doc.paths[
            `${SITES_PATH.replace('00000000-0000-0000-0000-000000000000', '{subscriptionId}').replace('/portico/', '/{resourceGroupName}/')}/{name}`
          ] ?? {},
        ),
      ).toEqual(expect.arrayContaining(['get', 'put', 'patch', 'delete']));
    });

    it('reads the keys of a body in any case, as Azure does: refused or applied as their camelCase', async () => {
      const pascal = await t.admin('PUT', `${SITES_PATH}/pascal`, {
        SKU: { Name: 'Standard' },
        Tags: { a: 'b' },
      });
      expect(pascal.status, pascal.text).toBe(201);
      expect(pascal.json()).toMatchObject({ sku: { name: 'Standard' }, tags: { a: 'b' } });
      for (const [body, named] of [
        [
          { Properties: { PublicNetworkAccess: 'Disabled' } },
          'properties.publicNetworkAccess "Disabled" cannot',
        ],
        [{ properties: { REPOSITORYURL: 'https://github.com/o/r' } }, 'properties.repositoryUrl'],
        [{ Identity: { Type: 'SystemAssigned' } }, 'no managed identities'],
        [{ sku: { name: 'Free' }, SKU: { name: 'Free' } }, 'both sku and SKU'],
      ] as const) {
        const refused = await t.admin('PUT', `${SITES_PATH}/pascal`, body);
        expect(refused.status, JSON.stringify(body)).toBe(400);
        expect(refused.json<{ error: { message: string } }>().error.message).toContain(named);
      }
      expect((await t.admin('GET', `${SITES_PATH}/pascal`)).json()).toMatchObject({
        sku: { name: 'Standard' },
      });
      const settings = await t.admin('PUT', `${SITES_PATH}/pascal/config/appsettings`, {
        Properties: { A: '1' },
      });
      expect(settings.json()).toMatchObject({ properties: { A: '1' } });
      const service = await t.admin('PUT', `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/pascal-gw`, {
        Properties: { PublicNetworkAccess: 'Disabled', VirtualNetworkType: 'External' },
      });
      expect(service.json()).toMatchObject({
        properties: { publicNetworkAccess: 'Disabled', virtualNetworkType: 'External' },
      });
      const app = await t.admin('PUT', `${PROVIDERS_PATH}/Microsoft.Web/sites/pascal-fn`, {
        Kind: 'functionapp',
        PROPERTIES: { publicNetworkAccess: 'Disabled' },
      });
      expect(app.json()).toMatchObject({
        kind: 'functionapp',
        properties: { publicNetworkAccess: 'Disabled' },
      });
      const web = await t.admin('PUT', `${PROVIDERS_PATH}/Microsoft.Web/sites/pascal-web`, {
        properties: { BackendUrl: 'https://api.example.com' },
      });
      expect(web.json()).toMatchObject({
        kind: 'app',
        properties: { backendUrl: 'https://api.example.com' },
      });
    });

    it('reads names in a PUT path in any case: creates them in lower case, finds existing ones', async () => {
      const created = await t.admin('PUT', `${SITES_PATH}/NewSite`, {});
      expect(created.status, created.text).toBe(201);
      expect(created.json()).toMatchObject({ name: 'newsite', id: `${SITES_PATH}/newsite` });
      const createOnly = await send(`${t.service.adminUrl}${SITES_PATH}/NEWSITE`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'if-none-match': '*' },
        body: '{}',
      });
      expect(createOnly.status, createOnly.text).toBe(409);
      expect(createOnly.json()).toMatchObject({ error: { code: 'CONTROL_SITE_EXISTS' } });
      for (const [path, lower] of [
        [`${PROVIDERS_PATH}/Microsoft.Web/sites/FN1`, 'fn1'],
        [`${PROVIDERS_PATH}/Microsoft.App/containerApps/CA1`, 'ca1'],
        [`${PROVIDERS_PATH}/Microsoft.ApiManagement/service/Fabrikam`, 'fabrikam'],
      ] as const) {
        const body = path.includes('/sites/')
          ? { kind: 'functionapp' }
          : { properties: { backendUrl: 'https://api.example.com' } };
        const first = await t.admin('PUT', path, body);
        expect(first.status, first.text).toBe(201);
        expect(first.json()).toMatchObject({ name: lower });
        const again = await t.admin('PUT', path.replace(/\/\w+$/, `/${lower.toUpperCase()}`), body);
        expect(again.status, again.text).toBe(200);
      }
      const bad = await t.admin('PUT', `${SITES_PATH}/Bad_Name`, {});
      expect(bad.json()).toMatchObject({
        error: { code: 'CONTROL_SITE_NAME_INVALID', message: expect.stringContaining("'Bad_Name'") },
      });
    });

    it('refuses a body nested a million deep with a 400, not a 500', async () => {
      const deep = await send(`${t.service.adminUrl}${SITES_PATH}/shop`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: `{"tags":${'['.repeat(1e6)}${']'.repeat(1e6)}}`,
      });
      expect(deep.status).toBe(400);
      expect(deep.json()).toMatchObject({
        error: {
          code: 'CONTROL_BAD_REQUEST',
          message: expect.stringContaining('tags must be an object, got [[['),
        },
      });
    });

    it('reads a path with one trailing slash as the resource, as Azure Resource Manager does', async () => {
      const site = await t.admin('GET', `${SITES_PATH}/shop/`);
      expect(site.status, site.text).toBe(200);
      expect(site.json()).toMatchObject({ name: 'shop' });
      expect((await t.admin('GET', `${SITES_PATH}/`)).json()).toMatchObject({ value: expect.any(Array) });
      const twice = await t.admin('GET', `${SITES_PATH}/shop//`);
      expect(twice.json()).toMatchObject({ error: { code: 'CONTROL_NOT_FOUND' } });
    });

    it("echoes Azure Resource Manager's correlation ids, and makes one when the caller sends none", async () => {
      const sent = await send(`${t.service.adminUrl}${SITES_PATH}/shop`, {
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'x-ms-correlation-request-id': 'corr-1',
          'x-ms-client-request-id': 'client-1',
        },
      });
      expect([sent.header('x-ms-correlation-request-id'), sent.header('x-ms-client-request-id')]).toEqual([
        'corr-1',
        'client-1',
      ]);
      const none = await t.admin('GET', `${SITES_PATH}/nope`);
      expect(none.status).toBe(404);
      expect(none.header('x-ms-correlation-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(none.header('x-ms-client-request-id')).toBeUndefined();
    });

    it('answers 405 with Allow for a known path and a wrong method, and 400 for an unknown plan', async () => {
      const response = await t.admin('POST', `${SITES_PATH}/shop`);
      expect(response.status).toBe(405);
      expect(response.header('allow')).toBe('PUT, GET, HEAD, PATCH, DELETE');
      const bad = await t.admin('PATCH', `${SITES_PATH}/shop`, { sku: { name: 'Premium' } });
      expect(bad.status).toBe(400);
      expect(bad.json()).toMatchObject({ error: { code: 'CONTROL_PLAN_INVALID' } });
      // A PATCH without a sku (what Azure's SDK sends) leaves the plan as it is.
      const plain = await t.admin('PATCH', `${SITES_PATH}/shop`, undefined);
      expect(plain.status).toBe(200);
      expect(plain.json()).toMatchObject({ name: 'shop' });
    });
  });

  describe('deployments and serving by Host', () => {
    it('serves the deployed app at its host, and a plain 404 for unknown hosts', async () => {
      const app = await writeApp(
        { 'index.html': '<h1>shop v1</h1>' },
        { routes: [{ route: '/admin/*', allowedRoles: ['admin'] }] },
      );
      const commit = await deployFolders(t.service, token, app);
      expect(commit.status).toBe(200);
      expect(commit.json()).toMatchObject({
        properties: { status: 'Succeeded', active: true, url: `http://${host}:${t.service.port}` },
      });
      const page = await t.get(host, '/');
      expect(page.status).toBe(200);
      expect(page.text).toContain('shop v1');
      expect((await t.get(host, '/admin/x')).status).toBe(401);
      const unknown = await t.get('unknown.portico.test', '/');
      expect(unknown.status).toBe(404);
    });

    it('refuses a request that names its host twice or two ways, which a proxy in front could route elsewhere', async () => {
      const raw = (head: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(t.service.port, '127.0.0.1');
          const chunks: Buffer[] = [];
          socket.on('connect', () => socket.write(`${head}Connection: close\r\n\r\n`));
          socket.on('data', (chunk: Buffer) => chunks.push(chunk));
          socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
          socket.on('error', reject);
        });
      const twice = await raw(`GET / HTTP/1.1\r\nHost: other.portico.test\r\nHost: ${host}\r\n`);
      expect(twice).toMatch(/^HTTP\/1\.1 400 /);
      expect(twice).toContain('Bad request: the request has more than one Host field.');
      const twoWays = await raw(`GET http://other.portico.test/ HTTP/1.1\r\nHost: ${host}\r\n`);
      expect(twoWays).toMatch(/^HTTP\/1\.1 400 /);
      expect(twoWays).toContain('the request target names another host than the Host field');
      // The same host both ways is the one site, whatever the port and case.
      const same = await raw(
        `GET http://${host.toUpperCase()}:${t.service.port}/ HTTP/1.1\r\nHost: ${host}\r\n`,
      );
      expect(same).toMatch(/^HTTP\/1\.1 200 /);
      expect(same).toContain('shop v1');
    });

    it('keeps the previous deployment serving when a deploy has an invalid config, and says where', async () => {
      const broken = await writeApp(
        { 'index.html': 'broken' },
        { routes: [{ route: '/x', allowedRoles: 'admin', statusCode: 'abc' }] },
      );
      const commit = await deployFolders(t.service, token, broken);
      expect(commit.status).toBe(400);
      expect(commit.json()).toMatchObject({
        error: {
          code: 'DEPLOY_CONFIG_INVALID',
          details: [expect.objectContaining({ path: 'routes[0].statusCode' })],
        },
      });
      expect((await t.get(host, '/')).text).toContain('shop v1');
    });

    it("words a provider URL that is not HTTPS for the service, not for the developer's machine", async () => {
      const config = {
        auth: {
          identityProviders: {
            customOpenIdConnectProviders: {
              corp: {
                registration: {
                  clientIdSettingName: 'CORP_ID',
                  clientCredential: { clientSecretSettingName: 'CORP_SECRET' },
                  openIdConnectConfiguration: {
                    wellKnownOpenIdConfiguration: 'http://10.1.2.3/.well-known/openid-configuration',
                  },
                },
              },
            },
          },
        },
      };
      const commit = await deployFolders(t.service, token, await writeApp({ 'index.html': 'x' }, config));
      expect(commit.status).toBe(400);
      const { message } = commit.json<{ error: { message: string } }>().error;
      expect(message).toContain(
        "wellKnownOpenIdConfiguration: must be an https:// URL (http:// only to a provider on the server itself: localhost, 127.0.0.1 or [::1], which sign-in reaches only when the service's operator allows that address with portico serve --identity-provider-address)",
      );
      expect(message).not.toContain('this machine');
    });

    it('refuses a deploy whose staticwebapp.config.json is a folder, not served as if without rules', async () => {
      const app = await writeApp({ 'index.html': 'x', 'staticwebapp.config.json/notes.txt': 'n' });
      const commit = await deployFolders(t.service, token, app);
      expect(commit.status).toBe(400);
      expect(commit.json<{ error: { message: string } }>().error.message).toContain(
        "app/staticwebapp.config.json: is a folder, not a file, so the site's rules cannot be read",
      );
    });

    it('serves a preview environment at its own host without touching production', async () => {
      const app = await writeApp({ 'index.html': '<h1>shop preview</h1>' });
      const commit = await deployFolders(t.service, token, app, { environment: 'preview1' });
      expect(commit.status).toBe(200);
      const previewHost = host.replace('.', '-preview1.');
      expect((await t.get(previewHost, '/')).text).toContain('shop preview');
      expect((await t.get(host, '/')).text).toContain('shop v1');
      const builds = await t.admin('GET', `${SITES_PATH}/shop/builds`);
      expect(builds.json<{ value: { name: string }[] }>().value.map((b) => b.name)).toEqual([
        'default',
        'preview1',
      ]);
    });

    it('takes environment names without case, as their host names: Preview1 is preview1', async () => {
      const app = await writeApp({ 'index.html': '<h1>shop preview again</h1>' });
      const commit = await deployFolders(t.service, token, app, { environment: 'Preview1' });
      expect(commit.status, commit.text).toBe(200);
      expect((await t.get(host.replace('.', '-preview1.'), '/')).text).toContain('shop preview again');
      const builds = await t.admin('GET', `${SITES_PATH}/shop/builds`);
      expect(builds.json<{ value: { name: string }[] }>().value.map((b) => b.name)).toEqual([
        'default',
        'preview1',
      ]);
      expect((await t.admin('GET', `${SITES_PATH}/shop/builds/PREVIEW1`)).status).toBe(200);
    });

    it('rejects a wrong deployment token and, after a reset, the old one', async () => {
      const app = await writeApp({ 'index.html': 'x' });
      expect((await deployFolders(t.service, 'not-the-token', app)).status).toBe(401);
      const reset = await t.admin('POST', `${SITES_PATH}/shop/resetapikey`);
      const fresh = reset.json<{ properties: { apiKey: string } }>().properties.apiKey;
      const old = await deployFolders(t.service, token, app);
      expect(old.status).toBe(401);
      expect(old.json()).toMatchObject({ error: { code: 'DEPLOY_TOKEN_INVALID' } });
      const secrets = await t.admin('POST', `${SITES_PATH}/shop/listSecrets`);
      expect(secrets.json()).toEqual({ properties: { apiKey: fresh } });
      token = fresh;
    });

    it('rolls back to the previous deployment', async () => {
      const app = await writeApp({ 'index.html': '<h1>shop v2</h1>' });
      expect((await deployFolders(t.service, token, app)).status).toBe(200);
      expect((await t.get(host, '/')).text).toContain('shop v2');
      const rollback = await t.admin('POST', '/deploy/v1/rollback', { environment: 'production' }, token);
      expect(rollback.status).toBe(200);
      expect((await t.get(host, '/')).text).toContain('shop v1');
    });

    it('rolls back past an unchanged redeploy to the change it repeated', async () => {
      const v3 = await writeApp({ 'index.html': '<h1>shop v3</h1>' });
      expect((await deployFolders(t.service, token, v3)).status).toBe(200);
      const again = await deployFolders(t.service, token, v3);
      expect(again.status).toBe(200);
      expect(again.json<{ properties: { log: string } }>().properties.log).toMatch(/^Unchanged/);
      const rollback = () => t.admin('POST', '/deploy/v1/rollback', { environment: 'production' }, token);
      expect((await rollback()).status).toBe(200);
      expect((await t.get(host, '/')).text).toContain('shop v2');
      expect((await rollback()).status).toBe(200);
      expect((await t.get(host, '/')).text).toContain('shop v1');
    });

    it('rolls back to the deployment that was live before, when two deploys overlapped', async () => {
      // X starts uploading, Y starts and goes live, then X goes live: rolling back restores Y.
      // In an environment of its own, so production keeps what the later tests expect.
      const overlapHost = host.replace('.', '-overlap.');
      const stage = async (version: string) => {
        const staged = await stageFolders(t.service, token, await writeApp({ 'index.html': version }), {
          environment: 'overlap',
        });
        if (!('commit' in staged)) {
          throw new Error(staged.text);
        }
        return staged;
      };
      const x = await stage('<h1>shop X</h1>');
      const y = await stage('<h1>shop Y</h1>');
      expect((await y.commit()).status).toBe(200);
      expect((await x.commit()).status).toBe(200);
      expect((await t.get(overlapHost, '/')).text).toContain('shop X');
      const rollback = await t.admin('POST', '/deploy/v1/rollback', { environment: 'overlap' }, token);
      expect(rollback.status, rollback.text).toBe(200);
      expect((await t.get(overlapHost, '/')).text).toContain('shop Y');
    });
  });

  describe('managed functions with app settings', () => {
    it('runs the deployed API with its environment’s settings and none of the server’s secrets', async () => {
      const app = await writeApp({ 'index.html': 'with api' });
      const commit = await deployFolders(t.service, token, app, { apiDir: API_DIR, environment: 'api' });
      expect(commit.status, commit.text).toBe(200);
      const apiHost = host.replace('.', '-api.');
      const put = await t.admin('PUT', `${SITES_PATH}/shop/builds/api/config/appsettings`, {
        properties: { GREETING: 'hello from api env' },
      });
      expect(put.status).toBe(200);
      const answer = await t.get(apiHost, '/api/setting/GREETING');
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json()).toEqual({
        name: 'GREETING',
        value: 'hello from api env',
        adminTokenVisible: false,
      });
      await t.admin('PUT', `${SITES_PATH}/shop/builds/api/config/appsettings`, {
        properties: { GREETING: 'changed' },
      });
      expect((await t.get(apiHost, '/api/setting/GREETING')).json()).toMatchObject({ value: 'changed' });
      const listed = await t.admin('POST', `${SITES_PATH}/shop/builds/api/listAppSettings`);
      expect(listed.json()).toMatchObject({ properties: { GREETING: 'changed' } });
    }, 60_000);

    it('refuses setting names with "-" and reserved prefixes', async () => {
      const bad = await t.admin('PUT', `${SITES_PATH}/shop/config/appsettings`, {
        properties: { 'MY-SETTING': 'x', WEBSITE_FOO: 'y' },
      });
      expect(bad.status).toBe(400);
      expect(bad.json<{ error: { message: string } }>().error.message).toMatch(
        /MY-SETTING[\s\S]*WEBSITE_FOO/,
      );
    });

    it('refuses a replacement without a "properties" object instead of deleting every setting', async () => {
      for (const at of [
        'config/appsettings',
        'builds/api/config/appsettings',
        'config/functionappsettings',
      ]) {
        const path = `${SITES_PATH}/shop/${at}`;
        expect((await t.admin('PUT', path, { properties: { KEEP: 'me' } })).status).toBe(200);
        for (const body of [{ KEEP: 'gone' }, { property: { KEEP: 'gone' } }, undefined]) {
          const refused = await t.admin('PUT', path, body);
          expect(refused.status, `${at} ${JSON.stringify(body)}`).toBe(400);
          expect(refused.json<{ error: { message: string } }>().error.message).toContain(
            'with a "properties" object',
          );
        }
        const listed = await t.admin('POST', `${path.replace(/config\/\w+$/, '')}listAppSettings`);
        expect(listed.json()).toMatchObject({ properties: { KEEP: 'me' } });
        // An explicit empty set still empties it.
        expect((await t.admin('PUT', path, { properties: {} })).json()).toMatchObject({ properties: {} });
      }
    });
  });

  describe('lifecycle', () => {
    it('serves the same sites after a restart on the same data, and nothing of a deleted site', async () => {
      const dataDir = t.dataDir;
      await t.close();
      t = await startTestService({ dataDir });
      expect((await t.get(host, '/')).text).toContain('shop v1');
      expect((await t.admin('DELETE', `${SITES_PATH}/shop`)).status).toBe(200);
      expect((await t.get(host, '/')).status).toBe(404);
      expect((await t.admin('GET', `${SITES_PATH}/shop`)).status).toBe(404);
    });

    it('with a short admin token, refuses an address that sent too many wrong ones, even with the right one, until Retry-After', async () => {
      const guarded = await startTestService({ adminToken: SHORT_TOKEN });
      try {
        const wrong = { authorization: 'Bearer guess' };
        for (let i = 0; i < 20; i++) {
          expect((await send(`${guarded.service.adminUrl}${SITES_PATH}`, { headers: wrong })).status).toBe(
            401,
          );
        }
        const blocked = await guarded.admin('GET', SITES_PATH);
        expect(blocked.status).toBe(429);
        expect(Number(blocked.header('retry-after'))).toBeGreaterThan(0);
        expect(blocked.json<{ error: { code: string } }>().error.code).toBe('CONTROL_TOO_MANY_ATTEMPTS');
      } finally {
        await guarded.close();
        await removeData(guarded.dataDir);
      }
    });

    it('counts wrong admin tokens on /metrics with those of the management API, and never a probe of /readyz', async () => {
      const guarded = await startTestService({ metrics: true, adminToken: SHORT_TOKEN });
      try {
        const url = guarded.service.adminUrl;
        for (let i = 0; i < 25; i++) {
          expect((await send(`${url}/readyz`)).status).toBe(200);
        }
        expect((await guarded.admin('GET', SITES_PATH)).status).toBe(200);
        for (let i = 0; i < 20; i++) {
          expect((await send(`${url}/metrics`, { headers: { authorization: 'Bearer guess' } })).status).toBe(
            401,
          );
        }
        expect((await guarded.admin('GET', SITES_PATH)).status).toBe(429);
        const metrics = await send(`${url}/metrics`, { headers: { authorization: `Bearer ${SHORT_TOKEN}` } });
        expect(metrics.status).toBe(429);
        expect(Number(metrics.header('retry-after'))).toBeGreaterThan(0);
      } finally {
        await guarded.close();
        await removeData(guarded.dataDir);
      }
    });

    it('with a token too long to guess, never shuts an address out: a site’s function shares the operator’s', async () => {
      const guarded = await startTestService({ metrics: true });
      try {
        const wrong = { authorization: 'Bearer guess' };
        for (let i = 0; i < 25; i++) {
          expect((await send(`${guarded.service.adminUrl}${SITES_PATH}`, { headers: wrong })).status).toBe(
            401,
          );
        }
        expect((await guarded.admin('GET', SITES_PATH)).status).toBe(200);
      } finally {
        await guarded.close();
        await removeData(guarded.dataDir);
      }
    });

    it('listens for the management API on --admin-host alone, the sites staying on --host', async () => {
      // 127.0.0.2 is loopback too: the admin port is private to it, as 127.0.0.1 beside 0.0.0.0.
      const apart = await startTestService({ extra: { adminHost: '127.0.0.2' } });
      try {
        const admin = new URL(apart.service.adminUrl);
        expect(admin.hostname).toBe('127.0.0.2');
        expect((await send(`${apart.service.adminUrl}/healthz`)).status).toBe(200);
        await expect(send(`http://127.0.0.1:${admin.port}/healthz`)).rejects.toThrow();
        expect(new URL(apart.service.url).hostname).toBe('127.0.0.1');
      } finally {
        await apart.close();
        await removeData(apart.dataDir);
      }
    });
  });
});
