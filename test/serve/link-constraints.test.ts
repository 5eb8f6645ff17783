/**
 * Azure's documented constraints on APIs of a static web app, to the letter (spec/apim.md §3,
 * spec/swa-behaviour.md §3): redirects on /api are allowed with a linked backend, only rewrites, headers
 * and a status code without a redirect are refused. Real sockets, real SQLite, a real backend on loopback.
 * @see issue 19 item 2
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp } from '../helpers/app.js';
import { type Backend, startBackend } from '../helpers/backend.js';
import {
  deployFolders,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const WEB = `${PROVIDERS_PATH}/Microsoft.Web/sites`;

interface Created {
  host: string;
  token: string;
}

describe('portico serve: the constraints on a linked environment, as Azure documents them', () => {
  let t: TestService;
  let backend: Backend;

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
    t = await startTestService();
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
});
