/**
 * The portal in a real browser: headless Chromium (playwright-core, the system's Chromium) against
 * `portico serve` in-process. Each scenario drives the UI as a user would and checks what the user sees,
 * then checks the REST API or the data plane agrees. Any console error, CSP violation or uncaught
 * exception fails the test, except the HTTP error answers a scenario provokes on purpose.
 *
 * `PORTICO_CHROMIUM` names the browser (default /usr/bin/chromium); without it the suite is skipped with a
 * notice, unless `PORTICO_REQUIRE_CHROMIUM=1` (CI), which turns a missing browser into a failure.
 */
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acceptInvitation, getSite } from '../../src/control-plane/index.js';
import { writeApp } from '../helpers/app.js';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from '../helpers/chromium.js';
import {
  ADMIN_TOKEN,
  deployFolders,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

/** Runs in the page before its own scripts (browser code, kept as text: the tests compile without DOM types). */
const REPORT_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (event) => {
  console.error('CSP violation: ' + event.violatedDirective + ' blocked ' + event.blockedURI);
});`;

/**
 * Web-first checks without @playwright/test: each reads what the page shows, polled until the
 * expectation holds or 5 s pass (`await text(locator).toBe('…')`).
 */
function ui<T>(read: () => Promise<T>) {
  return expect.poll(() => read().catch(() => undefined), { timeout: 5_000, interval: 50 });
}
const text = (l: Locator) => ui(() => l.textContent({ timeout: 200 }));
const value = (l: Locator) => ui(() => l.inputValue({ timeout: 200 }));
const attribute = (l: Locator, name: string) => ui(() => l.getAttribute(name, { timeout: 200 }));
const visible = (l: Locator) => ui(() => l.isVisible());
const count = (l: Locator) => ui(() => l.count());
const disabled = (l: Locator) => ui(() => l.isDisabled({ timeout: 200 }));

interface SiteBody {
  name: string;
  sku: { name: string };
  properties: { defaultHostname: string; apiKey?: string };
}

describe.skipIf(!hasChromium('Portal browser tests'))('portal in Chromium', () => {
  let t: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Console errors, CSP violations and uncaught exceptions of the current test's page. */
  let problems: string[];
  /** HTTP statuses the current test provokes on purpose (Chromium logs them as console errors). */
  let expectedStatuses: Set<number>;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startTestService(),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    if (t !== undefined) {
      await t.close();
      await removeData(t.dataDir);
    }
  });

  beforeEach(async () => {
    problems = [];
    expectedStatuses = new Set();
    context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    await context.addInitScript({ content: REPORT_CSP_VIOLATIONS });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && !isExpectedHttpError(message.text())) {
        problems.push(`console error: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  });
  afterEach(async () => {
    await context.close();
    expect(problems).toEqual([]);
  });

  function isExpectedHttpError(text: string): boolean {
    const match = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(text);
    return match !== null && expectedStatuses.has(Number(match[1]));
  }

  /** Opens the portal at `hash` and signs in with the admin token. */
  async function signIn(hash = '#/'): Promise<void> {
    await page.goto(`${t.service.adminUrl}/${hash}`);
    await page.getByTestId('token-input').fill(ADMIN_TOKEN);
    await page.getByTestId('sign-in').click();
    await count(page.getByTestId('sign-in-form')).toBe(0);
  }

  async function createSite(name: string, sku = 'Free'): Promise<SiteBody> {
    const created = await t.admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: sku } });
    expect(created.status, created.text).toBe(201);
    return created.json<SiteBody>();
  }

  it('signs in with the admin token only, keeps it for the tab, and forgets it on sign-out', async () => {
    expectedStatuses.add(401);
    await page.goto(`${t.service.adminUrl}/`);
    await visible(page.getByText('PORTICO_ADMIN_TOKEN, or the file <data>/admin-token')).toBe(true);
    await page.getByTestId('token-input').fill('not-the-token');
    await page.getByTestId('sign-in').click();
    await text(page.getByTestId('sign-in-message-error')).toContain('Missing or wrong admin token');
    await count(page.getByRole('heading', { name: 'Static Web Apps' })).toBe(0);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await page.getByTestId('token-input').fill(ADMIN_TOKEN);
    await page.getByTestId('sign-in').click();
    await visible(page.getByRole('heading', { name: 'Static Web Apps' })).toBe(true);
    await visible(page.getByTestId('sites-empty').or(page.getByTestId('sites-table'))).toBe(true);
    await page.reload();
    await visible(page.getByRole('heading', { name: 'Static Web Apps' })).toBe(true);

    await page.getByTestId('sign-out').click();
    await visible(page.getByTestId('sign-in-form')).toBe(true);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });

  it('creates a site with the form, lists it with its host name, and shows the API error for a duplicate', async () => {
    expectedStatuses.add(409);
    await signIn();
    await page.getByTestId('create-open').click();
    await page.getByTestId('create-name').fill('portal-create');
    await page.getByTestId('create-plan-free').check();
    await page.getByTestId('create-submit').click();
    await text(page.getByTestId('create-message-success')).toContain('Created portal-create');

    const site = (await t.admin('GET', `${SITES_PATH}/portal-create`)).json<SiteBody>();
    expect(site.sku.name).toBe('Free');
    const row = page.getByTestId('site-row-portal-create');
    await text(row.getByTestId('site-hostname')).toBe(site.properties.defaultHostname);
    await text(row.getByTestId('site-plan')).toBe('Free');

    await page.getByTestId('create-name').fill('portal-create');
    await page.getByTestId('create-submit').click();
    await text(page.getByTestId('create-message-error')).toBe(
      "A static site named 'portal-create' exists already; pick another name.",
    );
  });

  it('shows the deployments of production and rolls back to the first one', async () => {
    const site = await createSite('portal-deploy');
    const host = site.properties.defaultHostname;
    const token = site.properties.apiKey ?? '';
    const first = await deployFolders(
      t.service,
      token,
      await writeApp({ 'index.html': '<h1>portal v1</h1>' }),
    );
    expect(first.status, first.text).toBe(200);
    const second = await deployFolders(
      t.service,
      token,
      await writeApp({ 'index.html': '<h1>portal v2</h1>' }),
    );
    expect(second.status, second.text).toBe(200);
    expect((await t.get(host, '/')).text).toContain('portal v2');

    await signIn('#/sites/portal-deploy/environments');
    const production = page.getByTestId('env-default');
    await text(production.getByTestId('env-status')).toBe('Ready');
    await attribute(production.getByTestId('env-url'), 'href').toBe(t.service.publicUrl(host));
    const rows = production.getByTestId('deployments-table').locator('tbody tr');
    await count(rows).toBe(2);
    await text(rows.nth(0).getByTestId('deployment-status')).toBe('Succeeded');
    await visible(rows.nth(0).getByTestId('deployment-live')).toBe(true);
    await text(rows.nth(1).getByTestId('deployment-status')).toBe('Succeeded');

    await rows
      .nth(1)
      .getByRole('button', { name: /Roll back/ })
      .click();
    await page.getByTestId('confirm-ok').click();
    await text(page.getByTestId('environments-message-success')).toContain('is live again');
    await visible(rows.nth(1).getByTestId('deployment-live')).toBe(true);
    await count(rows.nth(0).getByTestId('deployment-live')).toBe(0);
    expect((await t.get(host, '/')).text).toContain('portal v1');
  });

  it('links production to an API Management service on the APIs tab, shows a broken link, repairs and unlinks it', async () => {
    expectedStatuses.add(400);
    const apim = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/portal-gw`;
    expect((await t.admin('PUT', apim, { properties: {} })).status).toBe(201);
    const free = await createSite('portal-free');
    const site = await createSite('portal-link', 'Standard');
    const app = await writeApp({ 'index.html': '<h1>linked</h1>' });
    expect((await deployFolders(t.service, site.properties.apiKey ?? '', app)).status).toBe(200);
    expect(free.sku.name).toBe('Free');

    // A Free site is refused with the API's own message.
    await signIn('#/sites/portal-free/apis');
    const freeRow = page.getByTestId('apis-row-default');
    await text(freeRow.getByTestId('apis-type')).toBe('None');
    await freeRow.getByRole('button', { name: 'Link a backend to Production' }).click();
    await page.getByTestId('link-type').selectOption('apim');
    await value(page.getByTestId('link-resource')).toBe('portal-gw');
    await page.getByTestId('link-submit').click();
    await text(page.getByTestId('link-message-error')).toContain('Standard');

    await page.goto(`${t.service.adminUrl}/#/sites/portal-link/apis`);
    const row = page.getByTestId('apis-row-default');
    await row.getByRole('button', { name: 'Link a backend to Production' }).click();
    await page.getByTestId('link-type').selectOption('apim');
    await value(page.getByTestId('link-resource')).toBe('portal-gw');
    await page.getByTestId('link-submit').click();
    await text(page.getByTestId('apis-message-success')).toContain(
      'Linked API Management portal-gw to Production',
    );
    await text(row.getByTestId('apis-type')).toBe('API Management');
    await text(row.getByTestId('apis-resource')).toBe('portal-gw');
    await text(row.getByTestId('apis-status')).toBe('Healthy');
    const links = await t.admin('GET', `${SITES_PATH}/portal-link/linkedBackends`);
    expect(
      links.json<{ value: { properties: { resourceName: string } }[] }>().value[0]?.properties.resourceName,
    ).toBe('portal-gw');

    // Regenerating the subscription's key breaks the link; the tab says why and Repair mends it.
    const subscriptions = (await t.admin('GET', `${apim}/subscriptions`)).json<{
      value: { name: string }[];
    }>().value;
    const generated = subscriptions.find((sub) => sub.name.startsWith('swa-'))?.name ?? '';
    expect((await t.admin('POST', `${apim}/subscriptions/${generated}/regeneratePrimaryKey`)).status).toBe(
      204,
    );
    await page.reload();
    await text(row.getByTestId('apis-status')).toBe('Broken');
    await text(row.getByTestId('apis-problems')).toMatch(/key/i);
    await row.getByRole('button', { name: 'Repair' }).click();
    await text(page.getByTestId('apis-message-success')).toContain('Repaired');
    await text(row.getByTestId('apis-status')).toBe('Healthy');

    await row.getByRole('button', { name: 'Unlink' }).click();
    await page.getByTestId('confirm-ok').click();
    await text(page.getByTestId('apis-message-success')).toContain('Unlinked portal-gw from Production');
    await text(row.getByTestId('apis-type')).toBe('None');
    expect(
      (await t.admin('GET', `${SITES_PATH}/portal-link/linkedBackends`)).json<{ value: unknown[] }>().value,
    ).toEqual([]);
  });

  it('edits app settings, saves the whole set, keeps values hidden until shown, and shows API errors', async () => {
    expectedStatuses.add(400);
    await createSite('portal-settings');
    await signIn('#/sites/portal-settings/configuration');
    await visible(page.getByTestId('settings-empty')).toBe(true);
    for (const [name, value] of [
      ['GREETING', 'hello-from-portal'],
      ['FEATURE_X', 'on'],
    ] as const) {
      await page.getByTestId('settings-add').click();
      await page.getByTestId('setting-name-input').fill(name);
      await page.getByTestId('setting-value-input').fill(value);
      await page.getByTestId('setting-apply').click();
    }
    await visible(page.getByTestId('settings-unsaved')).toBe(true);
    await page.getByTestId('settings-save').click();
    await visible(page.getByTestId('settings-message-success')).toBe(true);

    await page.reload();
    const greeting = page.getByTestId('setting-row-GREETING');
    await text(greeting.getByTestId('setting-value')).toMatch(/Hidden value/);
    await visible(page.getByTestId('setting-row-FEATURE_X')).toBe(true);
    expect(await page.getByTestId('main').textContent()).not.toContain('hello-from-portal');
    await page.getByTestId('settings-show').click();
    await text(greeting.getByTestId('setting-value')).toBe('hello-from-portal');
    const listed = await t.admin('POST', `${SITES_PATH}/portal-settings/listAppSettings`);
    expect(listed.json()).toEqual({ properties: { GREETING: 'hello-from-portal', FEATURE_X: 'on' } });

    await page.getByTestId('settings-add').click();
    await page.getByTestId('setting-name-input').fill('MY-SETTING');
    await page.getByTestId('setting-value-input').fill('x');
    await page.getByTestId('setting-apply').click();
    await page.getByTestId('settings-save').click();
    await text(page.getByTestId('settings-message-error')).toContain('MY-SETTING');
    await visible(page.getByTestId('settings-unsaved')).toBe(true);
  });

  it('invites a user, shows the link, and once accepted edits their roles and removes them', async () => {
    expectedStatuses.add(400);
    await createSite('portal-roles');
    await signIn('#/sites/portal-roles/roles');
    await visible(page.getByTestId('users-empty')).toBe(true);
    await page.getByTestId('invite-open').click();
    await page.getByTestId('invite-provider').fill('github');
    await page.getByTestId('invite-user').fill('octocat');
    await page.getByTestId('invite-roles').fill('editor,reviewer');
    await value(page.getByTestId('invite-hours')).toBe('24');
    await page.getByTestId('invite-submit').click();
    await value(page.getByTestId('invite-url')).toMatch(/\/\.auth\/invitations\/[\w-]+$/);
    await page.getByTestId('invite-copy').click();
    await visible(page.getByTestId('invite-message-success')).toBe(true);
    await visible(page.getByTestId('users-empty')).toBe(true);

    // The user accepts (the data plane's sign-in does this; here the service call directly).
    const url = await page.getByTestId('invite-url').inputValue();
    const control = t.service.control;
    const code = url.slice(url.lastIndexOf('/') + 1);
    await acceptInvitation(control, await getSite(control, 'portal-roles'), code, {
      provider: 'github',
      userDetails: 'octocat',
    });
    await page.getByTestId('users-refresh').click();
    const row = page.getByTestId('users-table').locator('tbody tr');
    await text(row.getByTestId('user-roles')).toBe('editor,reviewer');

    await row.getByTestId('user-edit').click();
    await page.getByTestId('roles-input').fill('anonymous');
    await page.getByTestId('roles-save').click();
    await text(page.getByTestId('roles-dialog-message-error')).toContain('invalid: anonymous');
    await page.getByTestId('roles-input').fill('editor');
    await page.getByTestId('roles-save').click();
    await text(row.getByTestId('user-roles')).toBe('editor');
    const users = await t.admin('POST', `${SITES_PATH}/portal-roles/authproviders/all/listUsers`);
    expect(users.json()).toMatchObject({
      value: [{ properties: { displayName: 'octocat', roles: 'editor' } }],
    });

    await row.getByTestId('user-remove').click();
    await page.getByTestId('confirm-ok').click();
    await visible(page.getByTestId('users-empty')).toBe(true);
    await text(page.getByTestId('roles-message-success')).toBe('Removed octocat.');
  });

  it('changes the plan to Standard and back, and resets the deployment token', async () => {
    const site = await createSite('portal-plan');
    await signIn('#/sites/portal-plan/overview');
    await text(page.getByTestId('overview-plan')).toBe('Free');
    await attribute(page.getByTestId('overview-url-link'), 'href').toBe(
      t.service.publicUrl(site.properties.defaultHostname),
    );
    for (const plan of ['Standard', 'Free']) {
      await page.getByTestId(`plan-${plan.toLowerCase()}`).check();
      await page.getByTestId('plan-save').click();
      await text(page.getByTestId('plan-message-success')).toBe(`The plan is now ${plan}.`);
      await text(page.getByTestId('overview-plan')).toBe(plan);
      expect((await t.admin('GET', `${SITES_PATH}/portal-plan`)).json<SiteBody>().sku.name).toBe(plan);
    }

    await page.getByTestId('token-manage').click();
    await value(page.getByTestId('deployment-token')).toBe(site.properties.apiKey ?? '');
    await page.getByTestId('token-reset').click();
    await page.getByTestId('confirm-ok').click();
    await visible(page.getByTestId('token-message-success')).toBe(true);
    const fresh = await page.getByTestId('deployment-token').inputValue();
    expect(fresh).not.toBe(site.properties.apiKey);
    const secrets = await t.admin('POST', `${SITES_PATH}/portal-plan/listSecrets`);
    expect(secrets.json()).toEqual({ properties: { apiKey: fresh } });
  });

  it('deletes a site only once its name is typed, then lists it no more', async () => {
    await createSite('portal-delete');
    await signIn('#/sites/portal-delete/overview');
    await page.getByTestId('site-delete').click();
    const confirm = page.getByTestId('confirm-ok');
    await disabled(confirm).toBe(true);
    await page.getByTestId('confirm-input').fill('portal-delet');
    await disabled(confirm).toBe(true);
    await page.getByTestId('confirm-input').fill('portal-delete');
    await confirm.click();
    await text(page.getByTestId('flash')).toBe('Deleted portal-delete.');
    await visible(page.getByRole('heading', { name: 'Static Web Apps' })).toBe(true);
    await count(page.getByTestId('sites-list-area').getByTestId('loading')).toBe(0);
    await count(page.getByTestId('site-row-portal-delete')).toBe(0);
    expect((await t.admin('GET', `${SITES_PATH}/portal-delete`)).status).toBe(404);
  });
});
