/**
 * The site screens of issue 15 item 3 in Chromium against `portico serve`: deployments with size, file
 * count and a failed one's reason and log; custom domains validated against a real DNS server
 * (pebble-challtestsrv on loopback, --dns-server); the identity providers a config registers with the
 * presence of their settings (never a value); and the functions of the active deployment.
 * @see issue 15 "Sites"
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp } from '../helpers/app.js';
import { createTestCa } from '../helpers/certificates.js';
import { hasChromium } from '../helpers/chromium.js';
import { PROVIDERS_CONFIG } from '../helpers/identity-config.js';
import { startTestDns, type TestDns } from '../helpers/pebble.js';
import { attribute, count, text, ui, usePortal, value, visible } from '../helpers/portal.js';
import { createDeployedSite, deployFolders, SITES_PATH } from '../helpers/service.js';

const API_FIXTURE = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));

interface DeploymentBody {
  name: string;
  properties: { status: string; fileCount: number; contentBytes: number; error: string | null };
}

describe.skipIf(!hasChromium('Portal site screens'))(
  'portal: site deployments, domains, providers, functions',
  () => {
    let dns: TestDns;
    beforeAll(async () => {
      dns = await startTestDns();
    });
    afterAll(async () => {
      await dns?.close();
    });
    const portal = usePortal({
      service: () => ({ extra: { dnsServer: dns.server, domainCheckIntervalMs: 200 } }),
    });

    it("shows each deployment's size and file count, and a failed one's reason and log", async () => {
      const site = await portal.createSite('sites-deploys');
      const token = site.properties.apiKey ?? '';
      const good = await writeApp({ 'index.html': '<h1>good</h1>', 'about.html': '<h1>about</h1>' });
      expect((await deployFolders(portal.t.service, token, good)).status).toBe(200);
      const bad = await writeApp({ 'index.html': '<h1>bad</h1>' }, { routes: 'not-a-list' });
      const refused = await deployFolders(portal.t.service, token, bad);
      expect(refused.status).toBe(400);

      const listed = await portal.t.admin('GET', `${SITES_PATH}/sites-deploys/builds/default/deployments`);
      const [failed, succeeded] = listed.json<{ value: DeploymentBody[] }>().value;
      expect(failed?.properties.status).toBe('Failed');
      const [reason, ...details] = (failed?.properties.error ?? '').split('\n');

      await portal.signIn('#/sites/sites-deploys/environments');
      const production = portal.page.getByTestId('env-default');
      const okRow = production.getByTestId(`deployment-${succeeded?.name}`);
      await text(okRow.getByTestId('deployment-files')).toBe('2');
      await text(okRow.getByTestId('deployment-size')).toBe(`${succeeded?.properties.contentBytes} B`);
      await count(production.getByTestId(`deployment-details-${succeeded?.name}`)).toBe(0);

      const failedRow = production.getByTestId(`deployment-${failed?.name}`);
      await text(failedRow.getByTestId('deployment-status')).toBe('Failed');
      const failure = production.getByTestId(`deployment-details-${failed?.name}`);
      // The reason line ends with the first problem, not with the colon that introduces them.
      const firstProblem = details.map((line) => line.trim()).find((line) => line !== '') ?? '';
      expect(reason?.endsWith(':')).toBe(true);
      expect(firstProblem).toContain('routes');
      await text(failure.getByTestId('deployment-reason')).toBe(`Reason: ${reason} ${firstProblem}`);
      expect(reason).toContain('staticwebapp.config.json is invalid');
      const log = failure.getByTestId('deployment-log');
      await visible(log).toBe(false);
      await failure.getByText('Deployment log and full error').click();
      await visible(log).toBe(true);
      await text(log).toBe(details.join('\n').trim());
      await attribute(log, 'aria-label').toBe(`Log of deployment ${failed?.name}`);
      expect(details.join('\n')).toContain('routes');

      // A live deployment whose config has warnings says so in the open, not only inside its log.
      const warned = await writeApp(
        { 'index.html': '<h1>warned</h1>' },
        { responseOverrides: { '404': { rewrite: 'index.html', statusCode: '200' } } },
      );
      const committed = await deployFolders(portal.t.service, token, warned);
      expect(committed.status, committed.text).toBe(200);
      const live = committed.json<{ name: string }>().name;
      await portal.page.reload();
      const warnings = production
        .getByTestId(`deployment-details-${live}`)
        .getByTestId('deployment-warnings');
      await text(warnings).toMatch(/^2 configuration warnings:/);
      await text(warnings).toContain('responseOverrides.404.rewrite');
    });

    it('adds custom domains, shows the record and TXT token to set, validates again and deletes', async () => {
      portal.expectStatus(400);
      const site = await portal.createSite('sites-domains', 'Standard');
      const host = site.properties.defaultHostname;
      await dns.setCname('www.sites-domains.example', host);
      await portal.signIn('#/sites/sites-domains/domains');
      await visible(portal.page.getByTestId('domains-empty')).toBe(true);

      await portal.page.getByLabel('Domain name').fill('www.sites-domains.example');
      await expect.poll(() => portal.page.getByLabel('Validation').inputValue()).toBe('cname-delegation');
      await portal.page.getByTestId('domain-add').click();
      await text(portal.page.getByTestId('domains-message-success')).toBe(
        'Added www.sites-domains.example: Ready.',
      );
      const www = portal.page.getByTestId('domain-row-www.sites-domains.example');
      await text(www.getByTestId('domain-status')).toBe('Ready');
      await text(www.getByTestId('domain-method')).toBe('CNAME');
      await text(www.getByTestId('domain-certificate')).toBe(
        'Not issued yet: with HTTPS on, ACME is ordering it (a failed order shows its reason here)',
      );
      const wwwRecord = portal.page.getByTestId('domain-details-www.sites-domains.example');
      await text(wwwRecord.getByTestId('record-value')).toBe(host);
      // The same domain again, in another case and with a final dot: already there, nothing changes.
      const addedOn = (
        await portal.t.admin('GET', `${SITES_PATH}/sites-domains/customDomains/www.sites-domains.example`)
      ).json<{ properties: { createdOn: string } }>().properties.createdOn;
      await portal.page.getByLabel('Domain name').fill('WWW.Sites-Domains.example.');
      await portal.page.getByTestId('domain-add').click();
      await text(portal.page.getByTestId('domains-message-error')).toBe(
        'www.sites-domains.example is already a custom domain of this site (Ready); see its row below.',
      );
      // A PUT of it over the REST API is an update: it keeps when it was added.
      const again = await portal.t.admin(
        'PUT',
        `${SITES_PATH}/sites-domains/customDomains/www.sites-domains.example`,
        { properties: {} },
      );
      expect(again.json<{ properties: { createdOn: string } }>().properties.createdOn).toBe(addedOn);

      // An apex domain gets TXT validation by default; it stays Validating until the token is in DNS.
      await portal.page.getByLabel('Domain name').fill('sites-domains.example');
      await expect.poll(() => portal.page.getByLabel('Validation').inputValue()).toBe('dns-txt-token');
      await portal.page.getByTestId('domain-add').click();
      const apex = portal.page.getByTestId('domain-row-sites-domains.example');
      await text(apex.getByTestId('domain-status')).toBe('Validating');
      await text(apex.getByTestId('domain-method')).toBe('TXT');
      const record = portal.page.getByTestId('domain-details-sites-domains.example');
      await text(record.getByTestId('record-host')).toBe('_dnsauth.sites-domains.example');
      await text(record.getByTestId('domain-error')).toMatch(/^Waiting: .*has no TXT record yet/);
      const shown = await record.getByTestId('record-value').textContent();
      const stored = await portal.t.admin(
        'GET',
        `${SITES_PATH}/sites-domains/customDomains/sites-domains.example`,
      );
      const token = stored.json<{ properties: { validationToken: string } }>().properties.validationToken;
      expect(shown).toBe(token);

      await dns.setTxt('_dnsauth.sites-domains.example', token);
      await apex.getByRole('button', { name: 'Validate sites-domains.example again' }).click();
      await text(portal.page.getByTestId('domains-message-success')).toBe(
        'Checked sites-domains.example: Ready.',
      );
      await text(apex.getByTestId('domain-status')).toBe('Ready');

      // A record pointing elsewhere fails at once, with the reason.
      await dns.setCname('old.sites-domains.example', 'somewhere-else.example');
      await portal.page.getByLabel('Domain name').fill('old.sites-domains.example');
      await portal.page.getByTestId('domain-add').click();
      const old = portal.page.getByTestId('domain-row-old.sites-domains.example');
      await text(old.getByTestId('domain-status')).toBe('Failed');
      const oldDetails = portal.page.getByTestId('domain-details-old.sites-domains.example');
      await text(oldDetails.getByTestId('domain-error')).toMatch(/^Reason: .*not of this site/);

      // A CNAME for an apex domain is refused with the API's message.
      await portal.page.getByLabel('Domain name').fill('other-apex.example');
      await portal.page.getByLabel('Validation').selectOption('cname-delegation');
      await portal.page.getByTestId('domain-add').click();
      await text(portal.page.getByTestId('domains-message-error')).toContain('cannot hold a CNAME record');

      await www.getByRole('button', { name: 'Delete www.sites-domains.example' }).click();
      await portal.page.getByTestId('confirm-ok').click();
      await text(portal.page.getByTestId('domains-message-success')).toBe(
        'Deleted www.sites-domains.example.',
      );
      await count(www).toBe(0);
      const left = await portal.t.admin('GET', `${SITES_PATH}/sites-domains/customDomains`);
      const names = left.json<{ value: { name: string }[] }>().value.map((d) => d.name);
      expect(names.sort()).toEqual(['old.sites-domains.example', 'sites-domains.example']);
    });

    it('sets the default domain, shows it as the Overview URL and offers the domains for invitations', async () => {
      const host = await createDeployedSite(portal.t, 'sites-default', {
        files: { 'index.html': '<h1>default</h1>' },
      });
      for (const domain of ['www.sites-default.example', 'shop.sites-default.example']) {
        await dns.setCname(domain, host);
        const added = await portal.t.admin('PUT', `${SITES_PATH}/sites-default/customDomains/${domain}`, {
          properties: { validationMethod: 'cname-delegation' },
        });
        expect(added.json<{ properties: { status: string } }>().properties.status).toBe('Ready');
      }
      await portal.signIn('#/sites/sites-default/domains');
      const www = portal.page.getByTestId('domain-row-www.sites-default.example');
      await count(www.getByTestId('domain-default')).toBe(0);
      await www.getByRole('button', { name: 'Set as default www.sites-default.example' }).click();
      await text(portal.page.getByTestId('domains-message-success')).toBe(
        'www.sites-default.example is now the default domain.',
      );
      await visible(www.getByTestId('domain-default')).toBe(true);
      await count(www.getByTestId('domain-default-www.sites-default.example')).toBe(0);
      const stored = await portal.t.admin(
        'GET',
        `${SITES_PATH}/sites-default/customDomains/www.sites-default.example`,
      );
      expect(stored.json<{ properties: { isDefault: boolean } }>().properties.isDefault).toBe(true);
      // The other domain now redirects to the default one.
      const redirected = await portal.t.get('shop.sites-default.example', '/');
      expect(redirected.status).toBe(301);

      await portal.page.getByRole('link', { name: 'Overview' }).click();
      const port = portal.t.service.port;
      await text(portal.page.getByTestId('overview-url-link')).toBe(
        `http://www.sites-default.example:${port}`,
      );
      await text(portal.page.getByTestId('overview-hostname')).toBe(host);

      await portal.page.getByRole('link', { name: 'Role management' }).click();
      await portal.page.getByTestId('invite-open').click();
      const domain = portal.page.getByTestId('invite-domain');
      await value(domain).toBe('www.sites-default.example');
      expect(await domain.locator('option').allTextContents()).toEqual([
        host,
        'shop.sites-default.example',
        'www.sites-default.example',
      ]);
      await domain.selectOption('shop.sites-default.example');
      await portal.page.getByTestId('invite-user').fill('octocat');
      await portal.page.getByTestId('invite-roles').fill('editor');
      await portal.page.getByTestId('invite-submit').click();
      await value(portal.page.getByTestId('invite-url')).toMatch(
        new RegExp(`^http://shop\\.sites-default\\.example:${port}/\\.auth/invitations/[\\w-]+$`),
      );
    }, 60_000);

    it("words a taken domain's fix as the other site's Custom domains tab, not a CLI command", async () => {
      portal.expectStatus(409);
      await portal.createSite('sites-holder', 'Standard');
      await portal.createSite('sites-taker', 'Standard');
      const held = await portal.t.admin(
        'PUT',
        `${SITES_PATH}/sites-holder/customDomains/held.sites-holder.example`,
        {
          properties: { validationMethod: 'cname-delegation' },
        },
      );
      expect(held.status, held.text).toBe(200);
      await portal.signIn('#/sites/sites-taker/domains');
      await portal.page.getByLabel('Domain name').fill('held.sites-holder.example');
      await portal.page.getByTestId('domain-add').click();
      await text(portal.page.getByTestId('domains-message-error')).toBe(
        "The custom domain held.sites-holder.example belongs to another site, 'sites-holder'. Delete it there first, on the Custom domains tab of sites-holder.",
      );
    });

    it('does not add back a domain deleted since the tab drew it, nor make it the default', async () => {
      portal.expectStatus(412);
      const host = await createDeployedSite(portal.t, 'sites-stale', { files: { 'index.html': 'stale' } });
      const path = `${SITES_PATH}/sites-stale/customDomains`;
      for (const [domain, properties] of [
        ['www.sites-stale.example', { isDefault: true }],
        ['gone.sites-stale.example', {}],
        ['later.sites-stale.example', {}],
      ] as const) {
        await dns.setCname(domain, host);
        expect((await portal.t.admin('PUT', `${path}/${domain}`, { properties })).status).toBe(200);
      }
      await portal.signIn('#/sites/sites-stale/domains');
      const gone = portal.page.getByTestId('domain-row-gone.sites-stale.example');
      const later = portal.page.getByTestId('domain-row-later.sites-stale.example');
      await visible(gone).toBe(true);
      // Deleted in a terminal (portico domain delete) while this tab shows it.
      expect((await portal.t.admin('DELETE', `${path}/gone.sites-stale.example`)).status).toBe(200);
      await gone.getByRole('button', { name: 'Validate gone.sites-stale.example again' }).click();
      await text(portal.page.getByTestId('domains-message-error')).toMatch(
        /^gone\.sites-stale\.example was removed from this site by someone else/,
      );
      await count(gone).toBe(0);
      expect((await portal.t.admin('GET', `${path}/gone.sites-stale.example`)).status).toBe(404);

      // Set as default, pressed on a row deleted since it was drawn, neither adds it back nor takes the
      // default from www.
      await visible(later).toBe(true);
      expect((await portal.t.admin('DELETE', `${path}/later.sites-stale.example`)).status).toBe(200);
      await later.getByRole('button', { name: 'Set as default later.sites-stale.example' }).click();
      await text(portal.page.getByTestId('domains-message-error')).toMatch(
        /^later\.sites-stale\.example was removed from this site by someone else/,
      );
      await count(later).toBe(0);
      const www = portal.page.getByTestId('domain-row-www.sites-stale.example');
      await visible(www.getByTestId('domain-default')).toBe(true);
      const listed = await portal.t.admin('GET', path);
      expect(
        listed
          .json<{ value: { name: string; properties: { isDefault: boolean } }[] }>()
          .value.map((d) => [d.name, d.properties.isDefault]),
      ).toEqual([['www.sites-stale.example', true]]);
    });

    it("uploads a certificate, says where to point a TXT domain, and names a failed certificate's domain in Invite", async () => {
      const host = await createDeployedSite(portal.t, 'sites-certs', { files: { 'index.html': 'certs' } });
      const path = `${SITES_PATH}/sites-certs/customDomains`;
      await dns.setCname('www.sites-certs.example', host);
      expect(
        (await portal.t.admin('PUT', `${path}/www.sites-certs.example`, { properties: {} })).status,
      ).toBe(200);
      const apex = await portal.t.admin('PUT', `${path}/sites-certs.example`, {
        properties: { validationMethod: 'dns-txt-token' },
      });
      await dns.setTxt(
        '_dnsauth.sites-certs.example',
        apex.json<{ properties: { validationToken: string } }>().properties.validationToken,
      );
      expect(
        (await portal.t.admin('PUT', `${path}/sites-certs.example`, { properties: {} })).json<{
          properties: { status: string };
        }>().properties.status,
      ).toBe('Ready');
      // The ACME order for the apex failed (as the certificate worker records it).
      const db = new BetterSqlite3(join(portal.t.dataDir, 'portico.db'));
      try {
        db.prepare('UPDATE custom_domains SET certificate_error = ? WHERE domain_name = ?').run(
          'the ACME server could not reach http://sites-certs.example/.well-known/acme-challenge/.',
          'sites-certs.example',
        );
      } finally {
        db.close();
      }

      await portal.signIn('#/sites/sites-certs/domains');
      const apexRow = portal.page.getByTestId('domain-row-sites-certs.example');
      await text(apexRow.getByTestId('domain-certificate')).toContain('you can upload a certificate below');
      const apexDetails = portal.page.getByTestId('domain-details-sites-certs.example');
      await text(apexDetails.getByTestId('domain-pointing')).toBe(
        `Also point sites-certs.example at the service: an A record (and AAAA for IPv6) with the address of ${host}, or ALIAS/ANAME ${host} where your DNS host offers it (a subdomain may use CNAME ${host}).`,
      );
      const wwwDetails = portal.page.getByTestId('domain-details-www.sites-certs.example');
      await count(wwwDetails.getByTestId('domain-pointing')).toBe(0);

      await portal.page.getByRole('link', { name: 'Role management' }).click();
      await portal.page.getByTestId('invite-open').click();
      await ui(() => portal.page.getByTestId('invite-domain').locator('option').allTextContents()).toEqual([
        host,
        'sites-certs.example (no certificate: its order failed, see Custom domains)',
        'www.sites-certs.example',
      ]);

      const pair = await (await createTestCa()).issue(['sites-certs.example']);
      await portal.page.getByRole('link', { name: 'Custom domains' }).click();
      await apexDetails.getByText('Upload a certificate').click();
      await apexDetails.getByLabel('Certificate (PEM, with its chain)').setInputFiles({
        name: 'cert.pem',
        mimeType: 'application/x-pem-file',
        buffer: Buffer.from(pair.cert),
      });
      await apexDetails.getByLabel('Private key (PEM)').setInputFiles({
        name: 'key.pem',
        mimeType: 'application/x-pem-file',
        buffer: Buffer.from(pair.key),
      });
      await apexDetails
        .getByRole('button', { name: 'Upload the certificate of sites-certs.example' })
        .click();
      await text(portal.page.getByTestId('domains-message-success')).toBe(
        'Uploaded a certificate for sites-certs.example.',
      );
      await text(apexRow.getByTestId('domain-certificate')).toMatch(/^Uploaded, expires /);
      const stored = await portal.t.admin('GET', `${path}/sites-certs.example`);
      expect(
        stored.json<{ properties: { certificate: { source: string } } }>().properties.certificate,
      ).toMatchObject({
        source: 'uploaded',
      });
    });

    it('lists the identity providers the config registers and which settings are missing, without values', async () => {
      await createDeployedSite(portal.t, 'sites-auth', {
        files: { 'index.html': 'home' },
        config: PROVIDERS_CONFIG,
        settings: {
          GITHUB_CLIENT_ID: 'id-123',
          GITHUB_CLIENT_SECRET: 'very-secret-value',
          OKTA_CLIENT_ID: 'x',
        },
      });
      await portal.signIn('#/sites/sites-auth/identity');
      const github = portal.page.getByTestId('provider-row-github');
      await text(github.getByTestId('provider-state')).toBe('Ready');
      await text(
        github.getByTestId('provider-setting-GITHUB_CLIENT_SECRET').getByTestId('setting-presence'),
      ).toBe('Present');
      const okta = portal.page.getByTestId('provider-row-okta');
      await text(okta).toContain('/.auth/login/okta');
      await text(okta.getByTestId('provider-state')).toBe('Settings missing');
      await text(
        okta.getByTestId('provider-setting-OKTA_CLIENT_SECRET').getByTestId('setting-presence'),
      ).toBe('Missing');
      await text(okta.getByTestId('provider-setting-OKTA_CLIENT_ID').getByTestId('setting-presence')).toBe(
        'Present',
      );
      const page = (await portal.page.content()) + (await portal.page.getByTestId('main').textContent());
      expect(page).not.toContain('very-secret-value');
      expect(page).not.toContain('id-123');

      // A site without registrations says the preconfigured providers apply.
      await portal.createSite('sites-noauth');
      await portal.page.goto(`${portal.t.service.adminUrl}/#/sites/sites-noauth/identity`);
      await text(portal.page.getByTestId('providers-empty')).toContain(
        'preconfigured GitHub and Microsoft Entra ID',
      );
    });

    it("shows the invitation's warning when a roles function gives the site's roles", async () => {
      await createDeployedSite(portal.t, 'sites-fn-roles', {
        files: { 'index.html': 'home' },
        config: { auth: { rolesSource: '/api/GetRoles' } },
      });
      await portal.signIn('#/sites/sites-fn-roles/roles');
      await portal.page.getByTestId('invite-open').click();
      await portal.page.getByTestId('invite-user').fill('octocat');
      await portal.page.getByTestId('invite-roles').fill('editor');
      await portal.page.getByTestId('invite-submit').click();
      await value(portal.page.getByTestId('invite-url')).toMatch(/\/\.auth\/invitations\/[\w-]+$/);
      await text(portal.page.getByTestId('invite-warning')).toContain(
        'Warning: the roles editor will not be given',
      );
    });

    it('lists the functions of the active deployment with route and methods, per environment', async () => {
      const apiDir = join(SCRATCH, `portal-functions-${process.pid}`);
      await mkdir(SCRATCH, { recursive: true });
      await cp(API_FIXTURE, apiDir, { recursive: true });
      await writeFile(
        join(apiDir, 'src', 'functions', 'orders.js'),
        "const { app } = require('@azure/functions');\napp.http('orders', { methods: ['GET', 'POST'], route: 'orders/{id?}', handler: async () => ({ body: 'ok' }) });\n",
      );
      // A name Azure does not register: the deploy warns, and so does the deployment afterwards.
      await writeFile(
        join(apiDir, 'src', 'functions', 'users.js'),
        "const { app } = require('@azure/functions');\napp.http('get users', { handler: async () => ({ body: 'users' }) });\n",
      );
      try {
        await createDeployedSite(portal.t, 'sites-functions', { files: { 'index.html': 'home' }, apiDir });
        const apiKey = (await portal.t.admin('POST', `${SITES_PATH}/sites-functions/listSecrets`)).json<{
          properties: { apiKey: string };
        }>().properties.apiKey;
        const plain = await writeApp({ 'index.html': 'static' });
        expect((await deployFolders(portal.t.service, apiKey, plain, { environment: 'static' })).status).toBe(
          200,
        );
      } finally {
        await rm(apiDir, { recursive: true, force: true });
      }

      await portal.signIn('#/sites/sites-functions/functions');
      const orders = portal.page.getByTestId('function-row-orders');
      await text(orders.getByTestId('function-route')).toBe('/api/orders/{id?}');
      await text(orders.getByTestId('function-methods')).toBe('GET, POST');
      await text(orders.getByTestId('function-auth')).toBe('anonymous');
      const setting = portal.page.getByTestId('function-row-setting');
      await text(setting.getByTestId('function-route')).toBe('/api/setting/{name}');
      await text(setting.getByTestId('function-methods')).toBe('GET');

      await count(portal.page.getByTestId('function-row-get users')).toBe(0);
      await portal.page.getByLabel('Environment').selectOption('static');
      await text(portal.page.getByTestId('functions-empty')).toContain('runs no managed functions');
      expect(portal.page.url()).toMatch(/#\/sites\/sites-functions\/functions\/static$/);

      await portal.page.getByRole('link', { name: 'Environments' }).click();
      const warnings = portal.page.getByTestId('env-default').getByTestId('deployment-api-warnings');
      await text(warnings).toMatch(/^1 API warning \(what Static Web Apps would not run\):/);
      await text(warnings).toContain('"get users" is not a valid function name');
    }, 60_000);
  },
);
