/**
 * Azure's documented constraints on APIs of a static web app, to the letter (spec/apim.md §3,
 * spec/swa-behaviour.md §3): redirects on /api are allowed with a linked backend, only rewrites, headers
 * and a status code without a redirect are refused. Real sockets, real SQLite, a real backend on loopback.
 * @see issue 19 item 2
 */
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, writeApp } from '../helpers/app.js';
import { type Backend, startBackend } from '../helpers/backend.js';
import {
  deployFolders,
  PROVIDERS_PATH,
  packFolder,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
  uploadFunctionApp,
} from '../helpers/service.js';

const WEB = `${PROVIDERS_PATH}/Microsoft.Web/sites`;
const API_DIR = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));

interface Created {
  host: string;
  token: string;
}

describe('portico serve: the constraints on a linked environment, as Azure documents them', () => {
  let t: TestService;
  let backend: Backend;
  /** What the service told its operator. */
  const logs: string[] = [];

  async function site(name: string): Promise<Created> {
    const created = await t.admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: 'Standard' } });
    const { defaultHostname, apiKey } = created.json<{
      properties: { defaultHostname: string; apiKey: string };
    }>().properties;
    return { host: defaultHostname, token: apiKey };
  }
  /** Links a new web app (an app links to one site at a time) named after the site. */
  const linkWeb = async (siteName: string) => {
    const app = await t.admin('PUT', `${WEB}/${siteName}-api`, {
      kind: 'app',
      properties: { backendUrl: backend.url },
    });
    expect(app.status).toBe(201);
    return t.admin('PUT', `${SITES_PATH}/${siteName}/linkedBackends/${siteName}-api`, {
      properties: { backendResourceId: `${WEB}/${siteName}-api`, backendType: 'webapp' },
    });
  };
  const errorOf = (response: { json<T>(): T }) =>
    response.json<{ error: { code: string; message: string } }>().error;

  beforeAll(async () => {
    t = await startTestService({
      logger: {
        debug: () => undefined,
        info: (message) => logs.push(message),
        warn: (message) => logs.push(message),
        error: (message) => logs.push(message),
      },
    });
    backend = await startBackend();
    const app = await t.admin('PUT', `${WEB}/orders`, {
      kind: 'app',
      properties: { backendUrl: backend.url },
    });
    expect(app.status).toBe(201);
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
  });

  describe('route rules on /api', () => {
    const REDIRECTS = [301, 302, 307, 308].map((statusCode) => ({
      route: `/api/old${statusCode}`,
      redirect: `/api/new${statusCode}`,
      statusCode,
    }));

    it('allows redirects with statusCode 301, 302, 307 and 308, at link time and at deploy, and serves them', async () => {
      const shop = await site('redirects');
      const app = await writeApp({ 'index.html': 'v1' }, { routes: REDIRECTS });
      expect((await deployFolders(t.service, shop.token, app)).status).toBe(200);
      const linked = await linkWeb('redirects');
      expect(linked.status, linked.text).toBe(200);
      const again = await deployFolders(t.service, shop.token, app);
      expect(again.status, again.text).toBe(200);
      for (const { statusCode } of REDIRECTS) {
        const answer = await t.get(shop.host, `/api/old${statusCode}`);
        expect(answer.status).toBe(statusCode);
        expect(answer.header('location')).toMatch(new RegExp(`/api/new${statusCode}$`));
      }
      expect((await t.get(shop.host, '/api/orders')).status).toBe(200);
    });

    it('still refuses rewrite, headers, and a status code without a redirect', async () => {
      const shop = await site('rules');
      expect(
        (await deployFolders(t.service, shop.token, await writeApp({ 'index.html': 'v1' }))).status,
      ).toBe(200);
      expect((await linkWeb('rules')).status).toBe(200);
      const refused = await deployFolders(
        t.service,
        shop.token,
        await writeApp(
          { 'index.html': 'v2' },
          {
            routes: [
              { route: '/api/a', rewrite: '/api/b' },
              { route: '/api/c', headers: { 'x-a': '1' } },
              { route: '/api/d', statusCode: 403 },
            ],
          },
        ),
      );
      expect(refused.status).toBe(400);
      expect(errorOf(refused).message).toContain(
        'remove routes[0].rewrite (route /api/a), routes[1].headers (route /api/c), routes[2].statusCode (route /api/d)',
      );
    });
  });

  // These deploy managed functions: a deploy waits up to 30 s for the worker to load on a busy machine.
  describe('managed functions and a linked backend', { timeout: 60_000 }, () => {
    const deployments = async (siteName: string) =>
      (await t.admin('GET', `${SITES_PATH}/${siteName}/builds/default/deployments`))
        .json<{ value: { properties: { status: string } }[] }>()
        .value.map((d) => d.properties.status);

    it('link after a deploy with --api says managed functions are active and how to redeploy without them', async () => {
      const shop = await site('managed');
      const app = await writeApp({ 'index.html': 'v1' });
      expect((await deployFolders(t.service, shop.token, app, { apiDir: API_DIR })).status).toBe(200);
      const refused = await linkWeb('managed');
      expect(refused.status).toBe(400);
      const { message } = errorOf(refused);
      expect(message).toContain("Managed functions are active in the production environment of 'managed'");
      expect(message).toContain(
        "Redeploy without them ('portico deploy <appDir> --site managed', without --api)",
      );
      expect(message).not.toContain('unlink');
    });

    it('a deploy with --api to a linked environment is refused at its listing, before any upload, leaving no deployment', async () => {
      const shop = await site('linked-api');
      expect(
        (await deployFolders(t.service, shop.token, await writeApp({ 'index.html': 'v1' }))).status,
      ).toBe(200);
      expect((await linkWeb('linked-api')).status).toBe(200);
      const listing = (files: { path: string; size: number; sha256: string }[]) =>
        files.map(({ path, size, sha256 }) => ({ path, size, sha256 }));
      const started = await send(`${t.service.adminUrl}/deploy/v1/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${shop.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          environment: 'production',
          app: listing(await packFolder(await writeApp({ 'index.html': 'v2' }))),
          api: listing(await packFolder(API_DIR)),
        }),
      });
      expect(started.status).toBe(400);
      expect(errorOf(started)).toMatchObject({
        code: 'CONTROL_LINK_REFUSED',
        message: expect.stringContaining("linked to the webapp 'linked-api-api'"),
      });
      expect(await deployments('linked-api')).toEqual(['Succeeded']);
    });

    it('a rollback to a deployment with managed functions is refused while a backend is linked, changing nothing', async () => {
      const shop = await site('rollback');
      expect(
        (
          await deployFolders(t.service, shop.token, await writeApp({ 'index.html': 'v1' }), {
            apiDir: API_DIR,
          })
        ).status,
      ).toBe(200);
      expect(
        (await deployFolders(t.service, shop.token, await writeApp({ 'index.html': 'v2' }))).status,
      ).toBe(200);
      expect((await linkWeb('rollback')).status).toBe(200);
      const refused = await send(`${t.service.adminUrl}/deploy/v1/rollback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${shop.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ environment: 'production' }),
      });
      expect(refused.status).toBe(400);
      expect(errorOf(refused).message).toContain('cannot use managed functions and a linked backend at once');
      expect(await deployments('rollback')).toEqual(['Succeeded', 'Succeeded']);
      expect((await t.get(shop.host, '/')).text).toBe('v2');
    });

    it('a deploy whose new config breaks an /api rule is refused before it is staged, leaving no Failed deployment', async () => {
      const shop = await site('linked-rules');
      expect(
        (await deployFolders(t.service, shop.token, await writeApp({ 'index.html': 'v1' }))).status,
      ).toBe(200);
      expect((await linkWeb('linked-rules')).status).toBe(200);
      const rewriting = await writeApp(
        { 'index.html': 'v2' },
        { routes: [{ route: '/api/a', rewrite: '/api/b' }] },
      );
      const refused = await deployFolders(t.service, shop.token, rewriting);
      expect(refused.status).toBe(400);
      expect(errorOf(refused).message).toContain('routes[0].rewrite (route /api/a)');
      expect(await deployments('linked-rules')).toEqual(['Succeeded']);
      expect((await t.get(shop.host, '/')).text).toBe('v1');
      // Once the config is stored, the same deploy is refused at its listing.
      const again = await send(`${t.service.adminUrl}/deploy/v1/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${shop.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          environment: 'production',
          app: (await packFolder(rewriting)).map(({ path, size, sha256 }) => ({ path, size, sha256 })),
        }),
      });
      expect(again.status).toBe(400);
      expect(await deployments('linked-rules')).toEqual(['Succeeded']);
    });
  });

  describe('host.json routePrefix', { timeout: 60_000 }, () => {
    /** A copy of the test API whose host.json sets `routePrefix`. */
    async function apiWithPrefix(prefix: string): Promise<string> {
      const dir = await writeApp({});
      await cp(API_DIR, dir, { recursive: true });
      const hostJson = JSON.parse(await readFile(`${dir}/host.json`, 'utf8')) as Record<string, unknown>;
      await writeFile(
        `${dir}/host.json`,
        JSON.stringify({ ...hostJson, extensions: { http: { routePrefix: prefix } } }),
      );
      return dir;
    }

    it('a managed API whose host.json sets routePrefix to anything but api is refused at deploy; the previous deployment keeps serving', async () => {
      const shop = await site('prefix');
      const v1 = await writeApp({ 'index.html': 'v1' });
      expect((await deployFolders(t.service, shop.token, v1, { apiDir: API_DIR })).status).toBe(200);
      const refused = await deployFolders(t.service, shop.token, await writeApp({ 'index.html': 'v2' }), {
        apiDir: await apiWithPrefix('v1'),
      });
      expect(refused.status).toBe(400);
      expect(errorOf(refused)).toMatchObject({
        code: 'DEPLOY_API_INVALID',
        message: expect.stringContaining(
          'api/host.json sets extensions.http.routePrefix to "v1", but Static Web Apps serves functions only under /api',
        ),
      });
      expect((await t.get(shop.host, '/')).text).toBe('v1');
      // "api" in another case or with slashes is the same prefix.
      const same = await deployFolders(t.service, shop.token, await writeApp({ 'index.html': 'v3' }), {
        apiDir: await apiWithPrefix('/API'),
      });
      expect(same.status, same.text).toBe(200);
    });

    it('a function app whose host.json sets another routePrefix is refused when its content is set', async () => {
      expect((await t.admin('PUT', `${WEB}/prefixed`, { kind: 'functionapp', properties: {} })).status).toBe(
        201,
      );
      const refused = await uploadFunctionApp(t, 'prefixed', await apiWithPrefix(''));
      expect(refused.status).toBe(400);
      expect(errorOf(refused).message).toContain('host.json sets extensions.http.routePrefix to ""');
    });
  });

  describe('WebSocket upgrades', () => {
    /** Sends a WebSocket handshake for `host` and resolves with the whole answer (the server closes). */
    const upgrade = (host: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(t.service.port, '127.0.0.1', () => {
          socket.write(
            `GET /api/ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
          );
        });
        let data = '';
        socket.on('data', (chunk) => {
          data += chunk.toString();
        });
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });

    it("a gateway refuses them in API Management's words and shape, a site in Static Web Apps' words", async () => {
      const apim = await t.admin('PUT', `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/sockets`, {
        properties: {},
      });
      expect(apim.status).toBe(201);
      const gateway = await upgrade('sockets.azure-api.portico.test');
      expect(gateway).toMatch(/^HTTP\/1\.1 501 /);
      expect(gateway).toContain('Content-Type: application/json');
      const body = JSON.parse(gateway.slice(gateway.indexOf('\r\n\r\n') + 4)) as {
        statusCode: number;
        message: string;
      };
      expect(body).toEqual({
        statusCode: 501,
        message:
          'WebSocket APIs are not supported by this API Management gateway; call its APIs over HTTP or HTTPS.',
      });
      const shop = await site('sockets');
      const siteAnswer = await upgrade(shop.host);
      expect(siteAnswer).toMatch(/^HTTP\/1\.1 501 /);
      expect(siteAnswer).toContain('WebSocket upgrades are not supported by Static Web Apps APIs.');
    });
  });

  describe('an environment without an API', () => {
    it('answers the public a plain 404 and tells the operator how to deploy one, once, in the log', async () => {
      const shop = await site('no-api');
      expect(
        (await deployFolders(t.service, shop.token, await writeApp({ 'index.html': 'v1' }))).status,
      ).toBe(200);
      const answer = await t.get(shop.host, '/api/anything');
      expect(answer.status).toBe(404);
      // The site's and environment's names and the admin commands are the operator's, not the visitor's.
      expect(answer.text).toBe('Not found.\n');
      expect((await t.get(shop.host, '/api/other')).status).toBe(404);
      const hints = logs.filter((line) => line.includes('no API is deployed'));
      expect(hints).toEqual([
        "site no-api (production): /api was requested, but no API is deployed to this environment (it answers 404). Deploy one with 'portico deploy <appDir> --api <apiDir> --site no-api', or link a backend with 'portico link --site no-api --backend-type <type> --resource <name>'.",
      ]);
    });
  });

  describe('an environment whose deployed config this version cannot serve', () => {
    it('answers the public a generic 500 and tells the operator what is wrong, once, in the log', async () => {
      const shop = await site('unservable');
      const app = await writeApp(
        { 'index.html': 'v1' },
        { routes: [{ route: '/admin/*', allowedRoles: ['admin'] }] },
      );
      expect((await deployFolders(t.service, shop.token, app)).status).toBe(200);
      expect((await t.get(shop.host, '/')).status).toBe(200);
      // A config an earlier version accepted and this one refuses: the served copy is changed in place,
      // and a plan change makes the node read it again.
      const served = await findFiles(join(t.dataDir, 'cache'), 'staticwebapp.config.json');
      expect(served.length).toBeGreaterThan(0);
      for (const file of served) {
        await writeFile(file, JSON.stringify({ routes: 'not a list of rules' }));
      }
      const plan = await t.admin('PATCH', `${SITES_PATH}/unservable`, { sku: { name: 'Free' } });
      expect(plan.status, plan.text).toBe(200);
      const answer = await t.get(shop.host, '/');
      expect(answer.status).toBe(500);
      // The config's contents (its routes, roles, file name) are the operator's, not the visitor's.
      expect(answer.text).toContain('This site cannot be served right now');
      expect(answer.text).not.toMatch(/routes|allowedRoles|admin|staticwebapp\.config\.json/);
      expect((await t.get(shop.host, '/index.html')).status).toBe(500);
      const told = logs.filter((line) => line.startsWith('site unservable (production): its staticwebapp'));
      expect(told).toHaveLength(1);
      expect(told[0]).toContain('routes');
    });
  });
});

/** The files named `name` anywhere under `dir`. */
async function findFiles(dir: string, name: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name === name)
    .map((entry) => join(entry.parentPath, entry.name));
}
