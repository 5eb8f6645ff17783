/**
 * The portal in a real browser: headless Chromium (playwright-core, the system's Chromium) against
 * `portico serve` in-process. Each scenario drives the UI as a user would and checks what the user sees,
 * then checks the REST API or the data plane agrees. Any console error, CSP violation or uncaught
 * exception fails the test, except the HTTP error answers a scenario provokes on purpose.
 *
 * The harness (browser, hooks, web-first checks) is `test/helpers/portal.ts`.
 * `PORTICO_CHROMIUM` names the browser (default /usr/bin/chromium); without it the suite is skipped with a
 * notice, unless `PORTICO_REQUIRE_CHROMIUM=1` (CI), which turns a missing browser into a failure.
 */
import { describe, expect, it } from 'vitest';
import { acceptInvitation, getSite } from '../../src/control-plane/index.js';
import { writeApp } from '../helpers/app.js';
import { hasChromium } from '../helpers/chromium.js';
import {
  attribute,
  count,
  disabled,
  type SiteBody,
  text,
  ui,
  usePortal,
  value,
  visible,
} from '../helpers/portal.js';
import { ADMIN_TOKEN, deployFolders, PROVIDERS_PATH, SITES_PATH } from '../helpers/service.js';

describe.skipIf(!hasChromium('Portal browser tests'))('portal in Chromium', () => {
  const portal = usePortal();
  const signIn = portal.signIn;
  const createSite = portal.createSite;

  it('signs in with the admin token only, keeps it for the tab, and forgets it on sign-out', async () => {
    portal.expectStatus(401);
    await portal.page.goto(`${portal.t.service.adminUrl}/`);
    await visible(portal.page.getByText('PORTICO_ADMIN_TOKEN, or the file <data>/admin-token')).toBe(true);
    await portal.page.getByTestId('token-input').fill('not-the-token');
    await portal.page.getByTestId('sign-in').click();
    // In the sign-in screen's terms, not the REST header the API's message names.
    await text(portal.page.getByTestId('sign-in-message-error')).toBe(
      'This is not the admin token of this Portico server. Use the value of PORTICO_ADMIN_TOKEN it was started with, or the contents of the file <data>/admin-token.',
    );
    await count(portal.page.getByRole('heading', { name: 'Static Web Apps' })).toBe(0);
    expect(await portal.page.evaluate('sessionStorage.length')).toBe(0);

    await portal.page.getByTestId('token-input').fill(ADMIN_TOKEN);
    await portal.page.getByTestId('sign-in').click();
    await visible(portal.page.getByRole('heading', { name: 'Static Web Apps' })).toBe(true);
    // The pressed button is gone: the page it opened has the focus, not <body> (docs/portal.md).
    await ui(() => portal.page.evaluate('document.activeElement?.id')).toBe('main');
    await visible(portal.page.getByTestId('sites-empty').or(portal.page.getByTestId('sites-table'))).toBe(
      true,
    );
    await portal.page.reload();
    await visible(portal.page.getByRole('heading', { name: 'Static Web Apps' })).toBe(true);

    await portal.page.getByTestId('sign-out').click();
    await visible(portal.page.getByTestId('sign-in-form')).toBe(true);
    expect(await portal.page.evaluate('sessionStorage.length')).toBe(0);
  });

  it('says a site deleted elsewhere may have been deleted, in portal terms, and offers the way back', async () => {
    portal.expectStatus(404);
    await createSite('portal-gone');
    expect((await portal.t.admin('DELETE', `${SITES_PATH}/portal-gone`)).status).toBeLessThan(300);
    await signIn('#/sites/portal-gone/overview');
    await text(portal.page.getByTestId('site-error')).toBe(
      "No static site named 'portal-gone'. It may have been deleted (in another tab or by someone else); the list of Static Web Apps shows the sites there are.",
    );
    await portal.page.getByTestId('site-back').click();
    await visible(portal.page.getByRole('heading', { name: 'Static Web Apps' })).toBe(true);
  });

  it('creates a site with the form, lists it with its host name, and shows the API error for a duplicate', async () => {
    portal.expectStatus(409);
    await signIn();
    await portal.page.getByTestId('create-open').click();
    await portal.page.getByTestId('create-name').fill('portal-create');
    await portal.page.getByTestId('create-plan-free').check();
    await portal.page.getByTestId('create-submit').click();
    await text(portal.page.getByTestId('create-message-success')).toContain('Created portal-create');

    const site = (await portal.t.admin('GET', `${SITES_PATH}/portal-create`)).json<SiteBody>();
    expect(site.sku.name).toBe('Free');
    const row = portal.page.getByTestId('site-row-portal-create');
    await text(row.getByTestId('site-hostname')).toBe(site.properties.defaultHostname);
    await text(row.getByTestId('site-plan')).toBe('Free');

    await portal.page.getByTestId('create-name').fill('portal-create');
    await portal.page.getByTestId('create-submit').click();
    await text(portal.page.getByTestId('create-message-error')).toBe(
      "A static site named 'portal-create' exists already; pick another name.",
    );
  });

  it('shows the deployments of production and rolls back to the first one', async () => {
    const site = await createSite('portal-deploy');
    const host = site.properties.defaultHostname;
    const token = site.properties.apiKey ?? '';
    const first = await deployFolders(
      portal.t.service,
      token,
      await writeApp({ 'index.html': '<h1>portal v1</h1>' }),
    );
    expect(first.status, first.text).toBe(200);
    const second = await deployFolders(
      portal.t.service,
      token,
      await writeApp({ 'index.html': '<h1>portal v2</h1>' }),
    );
    expect(second.status, second.text).toBe(200);
    expect((await portal.t.get(host, '/')).text).toContain('portal v2');

    await signIn('#/sites/portal-deploy/environments');
    const production = portal.page.getByTestId('env-default');
    await text(production.getByTestId('env-status')).toBe('Ready');
    await attribute(production.getByTestId('env-url'), 'href').toBe(portal.t.service.publicUrl(host));
    const rows = production.getByTestId('deployments-table').locator('tbody tr');
    await count(rows).toBe(2);
    await text(rows.nth(0).getByTestId('deployment-status')).toBe('Succeeded');
    await visible(rows.nth(0).getByTestId('deployment-live')).toBe(true);
    await text(rows.nth(1).getByTestId('deployment-status')).toBe('Succeeded');

    await rows
      .nth(1)
      .getByRole('button', { name: /Roll back/ })
      .click();
    await portal.page.getByTestId('confirm-ok').click();
    await text(portal.page.getByTestId('environments-message-success')).toContain('is live again');
    await visible(rows.nth(1).getByTestId('deployment-live')).toBe(true);
    await count(rows.nth(0).getByTestId('deployment-live')).toBe(0);
    expect((await portal.t.get(host, '/')).text).toContain('portal v1');
  });

  it('links production to an API Management service on the APIs tab, shows a broken link, repairs and unlinks it', async () => {
    portal.expectStatus(400);
    const apim = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/portal-gw`;
    expect((await portal.t.admin('PUT', apim, { properties: {} })).status).toBe(201);
    const free = await createSite('portal-free');
    const site = await createSite('portal-link', 'Standard');
    const app = await writeApp({ 'index.html': '<h1>linked</h1>' });
    expect((await deployFolders(portal.t.service, site.properties.apiKey ?? '', app)).status).toBe(200);
    expect(free.sku.name).toBe('Free');

    // A Free site is refused with the API's own message.
    await signIn('#/sites/portal-free/apis');
    const freeRow = portal.page.getByTestId('apis-row-default');
    await text(freeRow.getByTestId('apis-type')).toBe('None');
    await freeRow.getByRole('button', { name: 'Link a backend to Production' }).click();
    await portal.page.getByTestId('link-type').selectOption('apim');
    await value(portal.page.getByTestId('link-resource')).toBe('portal-gw');
    await portal.page.getByTestId('link-submit').click();
    await text(portal.page.getByTestId('link-message-error')).toContain('Standard');

    await portal.page.goto(`${portal.t.service.adminUrl}/#/sites/portal-link/apis`);
    const row = portal.page.getByTestId('apis-row-default');
    await row.getByRole('button', { name: 'Link a backend to Production' }).click();
    await portal.page.getByTestId('link-type').selectOption('apim');
    await value(portal.page.getByTestId('link-resource')).toBe('portal-gw');
    await portal.page.getByTestId('link-submit').click();
    await text(portal.page.getByTestId('apis-message-success')).toContain(
      'Linked API Management portal-gw to Production',
    );
    await text(row.getByTestId('apis-type')).toBe('API Management');
    await text(row.getByTestId('apis-resource')).toBe('portal-gw');
    await text(row.getByTestId('apis-status')).toBe('Healthy');
    const links = await portal.t.admin('GET', `${SITES_PATH}/portal-link/linkedBackends`);
    expect(
      links.json<{ value: { properties: { resourceName: string } }[] }>().value[0]?.properties.resourceName,
    ).toBe('portal-gw');

    // Regenerating the subscription's key breaks the link; the tab says why and Repair mends it.
    const subscriptions = (await portal.t.admin('GET', `${apim}/subscriptions`)).json<{
      value: { name: string }[];
    }>().value;
    const generated = subscriptions.find((sub) => sub.name.startsWith('swa-'))?.name ?? '';
    expect(
      (await portal.t.admin('POST', `${apim}/subscriptions/${generated}/regeneratePrimaryKey`)).status,
    ).toBe(204);
    await portal.page.reload();
    await text(row.getByTestId('apis-status')).toBe('Broken');
    await text(row.getByTestId('apis-problems')).toMatch(/key/i);
    await row.getByRole('button', { name: 'Repair' }).click();
    await text(portal.page.getByTestId('apis-message-success')).toContain('Repaired');
    await text(row.getByTestId('apis-status')).toBe('Healthy');

    await row.getByRole('button', { name: 'Unlink' }).click();
    await portal.page.getByTestId('confirm-ok').click();
    await text(portal.page.getByTestId('apis-message-success')).toContain(
      'Unlinked portal-gw from Production',
    );
    await text(row.getByTestId('apis-type')).toBe('None');
    expect(
      (await portal.t.admin('GET', `${SITES_PATH}/portal-link/linkedBackends`)).json<{ value: unknown[] }>()
        .value,
    ).toEqual([]);
  });

  it('edits app settings, saves the whole set, keeps values hidden until shown, and shows API errors', async () => {
    portal.expectStatus(400);
    await createSite('portal-settings');
    await signIn('#/sites/portal-settings/configuration');
    await visible(portal.page.getByTestId('settings-empty')).toBe(true);
    for (const [name, value] of [
      ['GREETING', 'hello-from-portal'],
      ['FEATURE_X', 'on'],
    ] as const) {
      await portal.page.getByTestId('settings-add').click();
      await portal.page.getByTestId('setting-name-input').fill(name);
      await portal.page.getByTestId('setting-value-input').fill(value);
      await portal.page.getByTestId('setting-apply').click();
    }
    await visible(portal.page.getByTestId('settings-unsaved')).toBe(true);
    await portal.page.getByTestId('settings-save').click();
    await visible(portal.page.getByTestId('settings-message-success')).toBe(true);

    await portal.page.reload();
    const greeting = portal.page.getByTestId('setting-row-GREETING');
    await text(greeting.getByTestId('setting-value')).toMatch(/Hidden value/);
    await visible(portal.page.getByTestId('setting-row-FEATURE_X')).toBe(true);
    expect(await portal.page.getByTestId('main').textContent()).not.toContain('hello-from-portal');
    // Editing a hidden value keeps it hidden: a password field, not the value in clear.
    await greeting.getByTestId('setting-edit').click();
    expect(await portal.page.getByTestId('setting-value-input').getAttribute('type')).toBe('password');
    await portal.page.getByTestId('setting-cancel').click();
    await portal.page.getByTestId('settings-show').click();
    await text(greeting.getByTestId('setting-value')).toBe('hello-from-portal');
    const listed = await portal.t.admin('POST', `${SITES_PATH}/portal-settings/listAppSettings`);
    expect(listed.json()).toMatchObject({ properties: { GREETING: 'hello-from-portal', FEATURE_X: 'on' } });

    // Adding a name that exists (in any case) would replace that setting: the form refuses it.
    await portal.page.getByTestId('settings-add').click();
    await portal.page.getByTestId('setting-name-input').fill('greeting');
    await portal.page.getByTestId('setting-value-input').fill('overwritten');
    await portal.page.getByTestId('setting-apply').click();
    await text(portal.page.getByTestId('setting-editor-message-error')).toBe(
      'A setting named GREETING exists already; choose Edit on its row to change it.',
    );
    await portal.page.getByTestId('setting-cancel').click();
    await visible(portal.page.getByTestId('settings-unsaved')).toBe(false);

    // A name the server's rule refuses is refused in the form, before Save.
    await portal.page.getByTestId('settings-add').click();
    await portal.page.getByTestId('setting-name-input').fill('bad name!');
    await portal.page.getByTestId('setting-value-input').fill('x');
    await portal.page.getByTestId('setting-apply').click();
    await text(portal.page.getByTestId('setting-editor-message-error')).toBe(
      "The name 'bad name!' is invalid: names may contain only letters, digits, '.' and '_' (no spaces or '-').",
    );
    await visible(portal.page.getByTestId('settings-unsaved')).toBe(false);

    // What only the server checks (a prefix Azure Functions reserves) is refused at Save, with its message.
    await portal.page.getByTestId('setting-name-input').fill('WEBSITE_NODE_DEFAULT_VERSION');
    await portal.page.getByTestId('setting-apply').click();
    await portal.page.getByTestId('settings-save').click();
    await text(portal.page.getByTestId('settings-message-error')).toContain('WEBSITE_');
    await visible(portal.page.getByTestId('settings-unsaved')).toBe(true);
  });

  it('never drops a setting someone saved since the page loaded: Save refuses, Discard loads theirs', async () => {
    portal.expectStatus(412);
    await createSite('portal-race');
    const settingsPath = `${SITES_PATH}/portal-race/config/appsettings`;
    expect((await portal.t.admin('PUT', settingsPath, { properties: { KEEP: '1' } })).status).toBe(200);
    await signIn('#/sites/portal-race/configuration');
    await visible(portal.page.getByTestId('setting-row-KEEP')).toBe(true);
    // Meanwhile, someone adds a setting with the CLI.
    const cli = await portal.t.admin('PUT', settingsPath, { properties: { KEEP: '1', FROM_CLI: 'yes' } });
    expect(cli.status).toBe(200);
    await portal.page.getByTestId('settings-add').click();
    await portal.page.getByTestId('setting-name-input').fill('FROM_PORTAL');
    await portal.page.getByTestId('setting-value-input').fill('yes');
    await portal.page.getByTestId('setting-apply').click();
    await portal.page.getByTestId('settings-save').click();
    await text(portal.page.getByTestId('settings-message-error')).toContain(
      'Someone saved these settings since this page loaded them',
    );
    const list = async () =>
      (await portal.t.admin('POST', `${SITES_PATH}/portal-race/listAppSettings`)).json<{
        properties: Record<string, string>;
      }>().properties;
    expect(await list()).toEqual({ KEEP: '1', FROM_CLI: 'yes' });
    await portal.page.getByTestId('settings-discard').click();
    await visible(portal.page.getByTestId('setting-row-FROM_CLI')).toBe(true);
    await portal.page.getByTestId('settings-add').click();
    await portal.page.getByTestId('setting-name-input').fill('FROM_PORTAL');
    await portal.page.getByTestId('setting-value-input').fill('yes');
    await portal.page.getByTestId('setting-apply').click();
    await portal.page.getByTestId('settings-save').click();
    await visible(portal.page.getByTestId('settings-message-success')).toBe(true);
    expect(await list()).toEqual({ KEEP: '1', FROM_CLI: 'yes', FROM_PORTAL: 'yes' });
  });

  it('asks before leaving the settings with unsaved changes, and keeps them when told to stay', async () => {
    await createSite('portal-unsaved');
    await signIn('#/sites/portal-unsaved/configuration');
    await visible(portal.page.getByTestId('settings-empty')).toBe(true);
    await portal.page.getByTestId('settings-add').click();
    await portal.page.getByTestId('setting-name-input').fill('UNSAVED');
    await portal.page.getByTestId('setting-value-input').fill('x');
    await portal.page.getByTestId('setting-apply').click();
    // The click can return before the dialog event reaches this process: wait for the question itself.
    const asked = new Promise<string>((resolve) => {
      portal.page.once('dialog', (dialog) => {
        resolve(dialog.message());
        void dialog.dismiss();
      });
    });
    await portal.page.getByTestId('tab-overview').click();
    expect(await asked).toBe('The application settings have unsaved changes. Leave this page and lose them?');
    await visible(portal.page.getByTestId('setting-row-UNSAVED')).toBe(true);
    expect(await portal.page.evaluate('location.hash')).toBe('#/sites/portal-unsaved/configuration');
    portal.page.once('dialog', (dialog) => void dialog.accept());
    await portal.page.getByTestId('tab-overview').click();
    await visible(portal.page.getByTestId('setting-row-UNSAVED')).toBe(false);
    expect(await portal.page.evaluate('location.hash')).toBe('#/sites/portal-unsaved/overview');
  });

  it('invites a user, shows the link, and once accepted edits their roles and removes them', async () => {
    portal.expectStatus(400);
    await createSite('portal-roles');
    await signIn('#/sites/portal-roles/roles');
    await visible(portal.page.getByTestId('users-empty')).toBe(true);
    await portal.page.getByTestId('invite-open').click();
    // Focus moves into the form that opened, on its first field; Escape closes it and gives the focus back.
    expect(await portal.page.evaluate("document.activeElement?.getAttribute('data-testid')")).toBe(
      'invite-provider',
    );
    await portal.page.keyboard.press('Escape');
    await visible(portal.page.getByTestId('invite-provider')).toBe(false);
    expect(await portal.page.evaluate("document.activeElement?.getAttribute('data-testid')")).toBe(
      'invite-open',
    );
    await portal.page.getByTestId('invite-open').click();
    await portal.page.getByTestId('invite-provider').fill('github');
    await portal.page.getByTestId('invite-user').fill('octocat');
    await portal.page.getByTestId('invite-roles').fill('editor,reviewer');
    await value(portal.page.getByTestId('invite-hours')).toBe('24');
    await portal.page.getByTestId('invite-submit').click();
    await value(portal.page.getByTestId('invite-url')).toMatch(/\/\.auth\/invitations\/[\w-]+$/);
    await portal.page.getByTestId('invite-copy').click();
    await visible(portal.page.getByTestId('invite-message-success')).toBe(true);
    await visible(portal.page.getByTestId('users-empty')).toBe(true);

    // The user accepts (the data plane's sign-in does this; here the service call directly).
    const url = await portal.page.getByTestId('invite-url').inputValue();
    const control = portal.t.service.control;
    const code = url.slice(url.lastIndexOf('/') + 1);
    await acceptInvitation(control, await getSite(control, 'portal-roles'), code, {
      provider: 'github',
      userDetails: 'octocat',
    });
    await portal.page.getByTestId('users-refresh').click();
    const row = portal.page.getByTestId('users-table').locator('tbody tr');
    await text(row.getByTestId('user-roles')).toBe('editor,reviewer');

    await row.getByTestId('user-edit').click();
    await portal.page.getByTestId('roles-input').fill('anonymous');
    await portal.page.getByTestId('roles-save').click();
    await text(portal.page.getByTestId('roles-dialog-message-error')).toContain('invalid: anonymous');
    await portal.page.getByTestId('roles-input').fill('editor');
    await portal.page.getByTestId('roles-save').click();
    await text(row.getByTestId('user-roles')).toBe('editor');
    const users = await portal.t.admin('POST', `${SITES_PATH}/portal-roles/authproviders/all/listUsers`);
    expect(users.json()).toMatchObject({
      value: [{ properties: { displayName: 'octocat', roles: 'editor' } }],
    });

    await row.getByTestId('user-remove').click();
    await portal.page.getByTestId('confirm-ok').click();
    await visible(portal.page.getByTestId('users-empty')).toBe(true);
    await text(portal.page.getByTestId('roles-message-success')).toBe('Removed octocat.');
  });

  it('says in portal words that a user removed in another tab may be gone, on Edit roles', async () => {
    portal.expectStatus(404);
    await createSite('portal-removed');
    const invited = await portal.t.admin('POST', `${SITES_PATH}/portal-removed/createUserInvitation`, {
      properties: { provider: 'github', userDetails: 'hubot', roles: 'editor', numHoursToExpiration: 1 },
    });
    expect(invited.status, invited.text).toBe(200);
    const url = invited.json<{ properties: { invitationUrl: string } }>().properties.invitationUrl;
    const control = portal.t.service.control;
    const user = await acceptInvitation(
      control,
      await getSite(control, 'portal-removed'),
      url.slice(url.lastIndexOf('/') + 1),
      { provider: 'github', userDetails: 'hubot' },
    );
    await signIn('#/sites/portal-removed/roles');
    const row = portal.page.getByTestId('users-table').locator('tbody tr');
    await text(row.getByTestId('user-roles')).toBe('editor');

    // Another tab (here the REST API) removes the user; this tab still lists them.
    const removed = await portal.t.admin(
      'DELETE',
      `${SITES_PATH}/portal-removed/authproviders/github/users/${user.userId}`,
    );
    expect(removed.status, removed.text).toBeLessThan(300);
    await row.getByTestId('user-edit').click();
    await portal.page.getByTestId('roles-input').fill('reviewer');
    await portal.page.getByTestId('roles-save').click();
    await text(portal.page.getByTestId('roles-dialog-message-error')).toBe(
      `'portal-removed' has no github user ${user.userId}. They may have been removed meanwhile (in another tab or by someone else); Role management of portal-removed lists its users as they are now.`,
    );
  });

  it("says the server did not answer when it is down, without the browser's TypeError", async () => {
    portal.expectServerDown();
    await signIn();
    await visible(portal.page.getByRole('heading', { name: 'Static Web Apps' })).toBe(true);
    // As a stopped server: every call to the API is refused at the connection.
    await portal.page.route('**/subscriptions/**', (route) => route.abort('connectionrefused'));
    await portal.page.getByTestId('sites-refresh').click();
    const error = portal.page.getByTestId('sites-error');
    await text(error).toBe(
      'The Portico server did not answer: it may be stopped or restarting, or the network is down. Check that portico serve is running, then try again.',
    );
  });

  it('changes the plan to Standard and back, and resets the deployment token', async () => {
    const site = await createSite('portal-plan');
    await signIn('#/sites/portal-plan/overview');
    await text(portal.page.getByTestId('overview-plan')).toBe('Free');
    await attribute(portal.page.getByTestId('overview-url-link'), 'href').toBe(
      portal.t.service.publicUrl(site.properties.defaultHostname),
    );
    for (const plan of ['Standard', 'Free']) {
      await portal.page.getByTestId(`plan-${plan.toLowerCase()}`).check();
      await portal.page.getByTestId('plan-save').click();
      await text(portal.page.getByTestId('plan-message-success')).toBe(`The plan is now ${plan}.`);
      await text(portal.page.getByTestId('overview-plan')).toBe(plan);
      expect((await portal.t.admin('GET', `${SITES_PATH}/portal-plan`)).json<SiteBody>().sku.name).toBe(plan);
    }
    // A move to Free refused (a Standard-only feature in use): the choice shows the plan the site is on.
    portal.expectStatus(409);
    await portal.page.getByTestId('plan-standard').check();
    await portal.page.getByTestId('plan-save').click();
    await text(portal.page.getByTestId('plan-message-success')).toBe('The plan is now Standard.');
    const gated = await writeApp(
      { 'index.html': '<h1>gated</h1>' },
      { forwardingGateway: { requiredHeaders: { 'X-Azure-FDID': 'abc' } } },
    );
    expect((await deployFolders(portal.t.service, site.properties.apiKey ?? '', gated)).status).toBe(200);
    await portal.page.getByTestId('plan-free').check();
    await portal.page.getByTestId('plan-save').click();
    await text(portal.page.getByTestId('plan-message-error')).toContain('forwardingGateway');
    expect(await portal.page.getByTestId('plan-standard').isChecked()).toBe(true);
    await text(portal.page.getByTestId('overview-plan')).toBe('Standard');

    await portal.page.getByTestId('token-manage').click();
    await value(portal.page.getByTestId('deployment-token')).toBe(site.properties.apiKey ?? '');
    await portal.page.getByTestId('token-reset').click();
    await portal.page.getByTestId('confirm-ok').click();
    await visible(portal.page.getByTestId('token-message-success')).toBe(true);
    const fresh = await portal.page.getByTestId('deployment-token').inputValue();
    expect(fresh).not.toBe(site.properties.apiKey);
    const secrets = await portal.t.admin('POST', `${SITES_PATH}/portal-plan/listSecrets`);
    expect(secrets.json()).toEqual({ properties: { apiKey: fresh } });
  });

  it('deletes a site only once its name is typed, then lists it no more', async () => {
    await createSite('portal-delete');
    await signIn('#/sites/portal-delete/overview');
    await portal.page.getByTestId('site-delete').click();
    const confirm = portal.page.getByTestId('confirm-ok');
    await disabled(confirm).toBe(true);
    await portal.page.getByTestId('confirm-input').fill('portal-delet');
    await disabled(confirm).toBe(true);
    await portal.page.getByTestId('confirm-input').fill('portal-delete');
    await confirm.click();
    await text(portal.page.getByTestId('flash')).toBe('Deleted portal-delete.');
    await visible(portal.page.getByRole('heading', { name: 'Static Web Apps' })).toBe(true);
    await count(portal.page.getByTestId('sites-list-area').getByTestId('loading')).toBe(0);
    await count(portal.page.getByTestId('site-row-portal-delete')).toBe(0);
    expect((await portal.t.admin('GET', `${SITES_PATH}/portal-delete`)).status).toBe(404);
  });
});
