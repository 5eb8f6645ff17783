/**
 * The Backends screen in a real browser (headless Chromium against `portico serve`): function apps made
 * from an API folder (`webkitdirectory`) or a zip through the same REST as `portico functionapp create`,
 * web apps and container apps with a backend URL and network access, what links to each; and the site's
 * APIs tab, which no longer offers Link on an environment that runs managed functions.
 *
 * @see issue 15, item 2 and the Link fix
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { hasChromium } from '../helpers/chromium.js';
import { count, text, usePortal, value, visible } from '../helpers/portal.js';
import { deployFolders, PROVIDERS_PATH, SITES_PATH } from '../helpers/service.js';

const WEB = `${PROVIDERS_PATH}/Microsoft.Web/sites`;

/** A Functions app of the v3 model (no dependencies to install): `GET /api/hello` answers its name. */
const FUNCTION_FILES: Record<string, string> = {
  'host.json': '{ "version": "2.0" }',
  'package.json': '{ "name": "portal-fn", "version": "1.0.0", "private": true }',
  'hello/function.json': JSON.stringify({
    bindings: [
      { authLevel: 'anonymous', type: 'httpTrigger', direction: 'in', name: 'req', methods: ['get'] },
      { type: 'http', direction: 'out', name: 'res' },
    ],
  }),
  'hello/index.js':
    "module.exports = async (context) => { context.res = { body: 'hello from the portal' }; };",
  'local.settings.json': '{ "Values": { "SECRET": "never-uploaded" } }',
};

/** Writes `files` under `dir`. */
async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** A zip of `files` inside the folder `api/` (deflated entries), as a zip of the folder itself is. */
function zipOf(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [path, content] of Object.entries(files)) {
    const name = Buffer.from(`api/${path}`);
    const data = Buffer.from(content);
    const packed = deflateRawSync(data);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(8, 8);
    header.writeUInt32LE(crc32(data), 14);
    header.writeUInt32LE(packed.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt32LE(crc32(data), 16);
    entry.writeUInt32LE(packed.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(header, name, packed);
    central.push(entry, name);
    offset += header.length + name.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe.skipIf(!hasChromium('Portal backend tests'))('portal: backends', () => {
  const portal = usePortal();
  let backend: Backend;
  let work: string;

  beforeAll(async () => {
    backend = await startBackend();
    work = await mkdtemp(join(tmpdir(), 'portico-portal-backends-'));
  });
  afterAll(async () => {
    await backend?.close();
    await rm(work, { recursive: true, force: true });
  });

  const overflows = () =>
    portal.page.evaluate('document.documentElement.scrollWidth > window.innerWidth') as Promise<boolean>;

  /** Links production of `site` to an app over REST. */
  const link = (site: string, type: string, name: string) =>
    portal.t.admin('PUT', `${SITES_PATH}/${site}/linkedBackends/${name}`, {
      properties: { backendResourceId: `${WEB}/${name}`, backendType: type },
    });

  it('creates a function app from an API folder, shows the site linked to it, and its /api answers', async () => {
    const folder = join(work, 'api');
    await writeTree(folder, FUNCTION_FILES);
    const site = await portal.createSite('fn-folder', 'Standard');
    const deployed = await deployFolders(
      portal.t.service,
      site.properties.apiKey ?? '',
      await writeApp({ 'index.html': '<h1>fn</h1>' }),
    );
    expect(deployed.status, deployed.text).toBe(200);

    await portal.signIn('#/');
    await portal.page.getByTestId('nav-backends').click();
    await visible(portal.page.getByTestId('functionapp-empty')).toBe(true);
    await portal.page.getByTestId('functionapp-create-open').click();
    await portal.page.getByTestId('functionapp-name').fill('inventory');
    await portal.page.getByTestId('functionapp-folder').setInputFiles(folder);
    await portal.page.getByTestId('functionapp-create').click();
    await text(portal.page.getByTestId('functionapp-message-success')).toBe(
      'Created the Function App inventory.',
    );
    const row = portal.page.getByTestId('app-row-inventory');
    await text(row.getByTestId('app-url')).toContain('inventory.azurewebsites.');
    await visible(row.getByTestId('app-linked-empty')).toBe(true);
    const app = (await portal.t.admin('GET', `${WEB}/inventory`)).json<{
      properties: { hasContent: boolean };
    }>();
    expect(app.properties.hasContent).toBe(true);

    expect((await link('fn-folder', 'functionapp', 'inventory')).status).toBe(200);
    await portal.page.reload();
    await text(row.getByTestId('app-linked')).toBe('fn-folder (Production)');
    const answer = await portal.t.get(site.properties.defaultHostname, '/api/hello');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text).toBe('hello from the portal');
  }, 120_000);

  it('creates a function app from a zip of the folder, leaving out local.settings.json', async () => {
    portal.expectStatus(400);
    // Local settings no other test uploads, so the server lacks them unless this upload sent them.
    const localSettings = '{ "Values": { "SECRET": "only-in-the-zip" } }';
    const zip = join(work, 'api.zip');
    await writeFile(zip, zipOf({ ...FUNCTION_FILES, 'local.settings.json': localSettings }));
    const notAnApp = join(work, 'not-an-app.zip');
    await writeFile(notAnApp, zipOf({ 'readme.txt': 'no host.json here' }));

    await portal.signIn('#/backends');
    await portal.page.getByTestId('functionapp-create-open').click();
    await portal.page.getByTestId('functionapp-name').fill('zipped');
    await portal.page.getByTestId('functionapp-zip').setInputFiles(notAnApp);
    await portal.page.getByTestId('functionapp-create').click();
    await text(portal.page.getByTestId('functionapp-create-message-error')).toContain('no host.json');
    // A wrong zip creates nothing.
    expect((await portal.t.admin('GET', `${WEB}/zipped`)).status).toBe(404);

    await portal.page.getByTestId('functionapp-zip').setInputFiles(zip);
    await portal.page.getByTestId('functionapp-create').click();
    await text(portal.page.getByTestId('functionapp-message-success')).toBe(
      'Created the Function App zipped.',
    );
    await visible(portal.page.getByTestId('app-row-zipped')).toBe(true);
    // The content is the folder's files, without the local settings (as the CLI sends it).
    const listed = (path: string, content: string) => ({
      path,
      size: Buffer.byteLength(content),
      sha256: createHash('sha256').update(content).digest('hex'),
    });
    const hostJson = listed('host.json', FUNCTION_FILES['host.json'] ?? '');
    const settings = listed('local.settings.json', localSettings);
    const check = await portal.t.admin('POST', `${WEB}/zipped/content/check`, { api: [hostJson, settings] });
    expect(check.json<{ missing: string[] }>().missing).toEqual([settings.sha256]);
  }, 120_000);

  it('creates web apps and container apps with a backend URL and network access, and deletes them', async () => {
    portal.expectStatus(409);
    const site = await portal.createSite('web-linked', 'Standard');
    await deployFolders(
      portal.t.service,
      site.properties.apiKey ?? '',
      await writeApp({ 'index.html': '<h1>web</h1>' }),
    );
    await portal.signIn('#/backends');
    await portal.page.getByTestId('webapp-create-open').click();
    await portal.page.getByTestId('webapp-name').fill('orders');
    await portal.page.getByTestId('webapp-backend-url').fill(backend.url);
    await portal.page.getByTestId('webapp-create').click();
    await text(portal.page.getByTestId('webapp-message-success')).toBe('Created the Web App orders.');
    await text(portal.page.getByTestId('app-row-orders').getByTestId('app-url')).toBe(backend.url);

    await portal.page.getByTestId('containerapp-create-open').click();
    await portal.page.getByTestId('containerapp-name').fill('catalog');
    await portal.page.getByTestId('containerapp-backend-url').fill('http://10.0.0.7:8080');
    await portal.page.getByTestId('containerapp-access').selectOption('Disabled');
    await portal.page.getByTestId('containerapp-create').click();
    await text(portal.page.getByTestId('containerapp-message-success')).toBe(
      'Created the Container App catalog.',
    );
    await text(portal.page.getByTestId('app-row-catalog').getByTestId('app-access')).toBe('Disabled');
    const stored = await portal.t.admin('GET', `${PROVIDERS_PATH}/Microsoft.App/containerApps/catalog`);
    expect(
      stored.json<{ properties: { publicNetworkAccess: string } }>().properties.publicNetworkAccess,
    ).toBe('Disabled');

    // The web app serves the site's /api once linked; deleting it is then refused with the API's message.
    expect((await link('web-linked', 'webapp', 'orders')).status).toBe(200);
    expect((await portal.t.get(site.properties.defaultHostname, '/api/ping')).json<EchoRequest>().url).toBe(
      '/api/ping',
    );
    await portal.page.reload();
    const orders = portal.page.getByTestId('app-row-orders');
    await text(orders.getByTestId('app-linked')).toBe('web-linked (Production)');
    await orders.getByTestId('app-delete-orders').click();
    await portal.page.getByTestId('confirm-ok').click();
    await text(portal.page.getByTestId('webapp-message-error')).toContain('unlink it first');

    await portal.page.getByTestId('app-row-catalog').getByTestId('app-delete-catalog').click();
    await portal.page.getByTestId('confirm-ok').click();
    await text(portal.page.getByTestId('containerapp-message-success')).toBe('Deleted catalog.');
    await visible(portal.page.getByTestId('containerapp-empty')).toBe(true);

    await portal.resize(390, 844);
    await portal.page.reload();
    await visible(portal.page.getByTestId('webapp-table')).toBe(true);
    await count(portal.page.getByTestId('loading')).toBe(0);
    expect(await overflows()).toBe(false);
  }, 60_000);

  it('never replaces an existing app on Create: the 409 is shown and the old notice goes', async () => {
    portal.expectStatus(409);
    const site = await portal.createSite('legacy-linked', 'Standard');
    await deployFolders(
      portal.t.service,
      site.properties.apiKey ?? '',
      await writeApp({ 'index.html': '<h1>legacy</h1>' }),
    );
    const made = await portal.t.admin('PUT', `${WEB}/legacy`, {
      kind: 'app',
      properties: { backendUrl: backend.url },
    });
    expect(made.status, made.text).toBe(201);
    expect((await link('legacy-linked', 'webapp', 'legacy')).status).toBe(200);

    await portal.signIn('#/backends');
    await portal.page.getByTestId('webapp-create-open').click();
    await portal.page.getByTestId('webapp-name').fill('fresh');
    await portal.page.getByTestId('webapp-backend-url').fill('http://10.0.0.9:8080');
    await portal.page.getByTestId('webapp-create').click();
    await text(portal.page.getByTestId('webapp-message-success')).toBe('Created the Web App fresh.');

    await portal.page.getByTestId('webapp-name').fill('legacy');
    await portal.page.getByTestId('webapp-backend-url').fill('http://10.0.0.8:8080');
    await portal.page.getByTestId('webapp-create').click();
    await text(portal.page.getByTestId('webapp-create-message-error')).toBe(
      'The Web App legacy exists already and was left as it was; pick another name.',
    );
    // The notice of the earlier create is gone: it does not describe this refusal.
    await count(portal.page.getByTestId('webapp-message-success')).toBe(0);
    const stored = await portal.t.admin('GET', `${WEB}/legacy`);
    expect(stored.json<{ properties: { backendUrl: string } }>().properties.backendUrl).toBe(backend.url);
    expect((await portal.t.get(site.properties.defaultHostname, '/api/ping')).json<EchoRequest>().url).toBe(
      '/api/ping',
    );
  }, 60_000);

  it("words a refused link's fix as the portal's own control, not a CLI command", async () => {
    portal.expectStatus(400);
    const site = await portal.createSite('freebie', 'Free');
    await deployFolders(
      portal.t.service,
      site.properties.apiKey ?? '',
      await writeApp({ 'index.html': '<h1>free</h1>' }),
    );
    const made = await portal.t.admin('PUT', `${WEB}/free-orders`, {
      kind: 'app',
      properties: { backendUrl: backend.url },
    });
    expect(made.status, made.text).toBe(201);
    await portal.signIn('#/sites/freebie/apis');
    await portal.page.getByRole('button', { name: 'Link a backend to Production' }).click();
    await portal.page.getByTestId('link-type').selectOption('webapp');
    await value(portal.page.getByTestId('link-resource')).toBe('free-orders');
    await portal.page.getByTestId('link-submit').click();
    await text(portal.page.getByTestId('link-message-error')).toBe(
      "Linking a backend needs the Standard plan; 'freebie' is on Free. Change it to Standard under Overview › Hosting plan of freebie.",
    );
  }, 60_000);

  it('does not offer Link on an environment that runs managed functions, and says why', async () => {
    const folder = join(work, 'managed-api');
    await writeTree(folder, FUNCTION_FILES);
    const site = await portal.createSite('managed-fn', 'Standard');
    const deployed = await deployFolders(
      portal.t.service,
      site.properties.apiKey ?? '',
      await writeApp({ 'index.html': '<h1>managed</h1>' }),
      { apiDir: folder },
    );
    expect(deployed.status, deployed.text).toBe(200);
    await portal.signIn('#/sites/managed-fn/apis');
    const row = portal.page.getByTestId('apis-row-default');
    await text(row.getByTestId('apis-type')).toBe('Managed functions');
    await text(row.getByTestId('apis-managed-note-default')).toContain(
      'deploy this environment again without an API folder',
    );
    await count(row.getByRole('button', { name: /Link/ })).toBe(0);
  }, 120_000);
});
