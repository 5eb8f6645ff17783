/**
 * `@azure/arm-appservice` (WebSiteManagementClient) managing a real `portico serve`: every static-site
 * operation docs/rest-api.md documents, called through Azure's own SDK, one test each.
 * @see issue 19 item 1
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, writeApp } from '../helpers/app.js';
import {
  ADMIN_TOKEN,
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';
import { all, GROUP, webClient } from './clients.js';

describe('@azure/arm-appservice against portico serve: static sites', () => {
  let t: TestService;
  let web: ReturnType<typeof webClient>;
  let app: string;

  beforeAll(async () => {
    t = await startTestService();
    web = webClient(t.service.adminUrl);
    app = await writeApp({ 'index.html': '<h1>hi</h1>' });
  });

  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
    await removeData(app ?? '');
  });

  const create = (name: string, sku = 'Free') =>
    web.staticSites.createOrUpdateStaticSite(GROUP, name, { location: 'portico', sku: { name: sku } });

  it('creates a site (createOrUpdateStaticSite, a long-running operation) and gets it', async () => {
    const site = await create('alpha');
    expect(site.name).toBe('alpha');
    expect(site.sku?.name).toBe('Free');
    expect(site.defaultHostname).toMatch(/\.portico\.test$/);
    const got = await web.staticSites.getStaticSite(GROUP, 'alpha');
    expect(got.defaultHostname).toBe(site.defaultHostname);
  });

  it('finds a site by its name in any case, as Azure Resource Manager does', async () => {
    const got = await web.staticSites.getStaticSite(GROUP, 'ALPHA');
    expect(got.name).toBe('alpha');
    const token = (await web.staticSites.listStaticSiteSecrets(GROUP, 'Alpha')).properties?.apiKey;
    expect(token).toMatch(/\S{20,}/);
  });

  it('creates a site with beginCreateOrUpdateStaticSiteAndWait', async () => {
    const site = await web.staticSites.beginCreateOrUpdateStaticSiteAndWait(GROUP, 'beta', {
      location: 'portico',
      sku: { name: 'Standard' },
    });
    expect(site.sku?.name).toBe('Standard');
  });

  it('a second create of the same name updates it (PUT is create-or-update)', async () => {
    await create('gamma');
    const again = await create('gamma', 'Standard');
    expect(again.sku?.name).toBe('Standard');
  });

  it('lists sites by resource group', async () => {
    await create('delta');
    const names = (await all(web.staticSites.listStaticSitesByResourceGroup(GROUP))).map((s) => s.name);
    expect(names).toContain('delta');
  });

  it('lists sites by subscription', async () => {
    await create('epsilon');
    const names = (await all(web.staticSites.list())).map((s) => s.name);
    expect(names).toContain('epsilon');
  });

  it('create-or-update on an existing site changes its plan; If-None-Match: * refuses it (409)', async () => {
    await create('zeta');
    const response = await send(`${t.service.adminUrl}${SITES_PATH}/zeta`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'if-none-match': '*' },
      body: JSON.stringify({ sku: { name: 'Standard' } }),
    });
    expect(response.status).toBe(409);
    expect(response.json()).toMatchObject({ error: { code: 'CONTROL_SITE_EXISTS' } });
    expect((await web.staticSites.getStaticSite(GROUP, 'zeta')).sku?.name).toBe('Free');
  });

  it('updates a site (PATCH) without a sku: the plan stays', async () => {
    await create('eta', 'Standard');
    const site = await web.staticSites.updateStaticSite(GROUP, 'eta', { allowConfigFileUpdates: true });
    expect(site.sku?.name).toBe('Standard');
  });

  it('keeps tags (create and update), and refuses what it cannot honour instead of dropping it', async () => {
    const site = await web.staticSites.createOrUpdateStaticSite(GROUP, 'omicron', {
      location: 'portico',
      sku: { name: 'Free' },
      tags: { env: 'prod', team: 'web' },
    });
    expect(site.tags).toEqual({ env: 'prod', team: 'web' });
    expect((await web.staticSites.getStaticSite(GROUP, 'omicron')).tags).toEqual({
      env: 'prod',
      team: 'web',
    });
    const updated = await web.staticSites.createOrUpdateStaticSite(GROUP, 'omicron', {
      location: 'portico',
      tags: { env: 'test' },
    });
    expect(updated.tags).toEqual({ env: 'test' });
    for (const [envelope, named] of [
      [{ publicNetworkAccess: 'Disabled' }, 'properties.publicNetworkAccess "Disabled" cannot be honoured'],
      [{ stagingEnvironmentPolicy: 'Disabled' }, 'properties.stagingEnvironmentPolicy'],
      [{ allowConfigFileUpdates: false }, 'properties.allowConfigFileUpdates'],
      [{ identity: { type: 'SystemAssigned' } }, 'no managed identities'],
      [{ repositoryUrl: 'https://github.com/o/r', branch: 'main' }, 'does not build from a repository'],
    ] as const) {
      await expect(
        web.staticSites.createOrUpdateStaticSite(GROUP, 'omicron', {
          location: 'portico',
          sku: { name: 'Standard' },
          tags: { env: 'changed' },
          ...envelope,
        }),
      ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining(named) });
    }
    // Nothing of a refused request was applied.
    const after = await web.staticSites.getStaticSite(GROUP, 'omicron');
    expect([after.sku?.name, after.tags]).toEqual(['Free', { env: 'test' }]);
    const raw = await send(`${t.service.adminUrl}${SITES_PATH}/omicron`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ sku: 'Standard' }),
    });
    expect(raw.status).toBe(400);
    expect(raw.text).toContain('sku must be an object');
    // Every answer has an id, as Azure Resource Manager's, for the operator's logs and support.
    expect(raw.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('deletes a site', async () => {
    await create('theta');
    await web.staticSites.deleteStaticSite(GROUP, 'theta');
    await expect(web.staticSites.getStaticSite(GROUP, 'theta')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('shows the deployment token (listStaticSiteSecrets) and resets it', async () => {
    await create('iota');
    const before = (await web.staticSites.listStaticSiteSecrets(GROUP, 'iota')).properties?.apiKey;
    expect(before).toMatch(/\S{20,}/);
    await web.staticSites.resetStaticSiteApiKey(GROUP, 'iota', { shouldUpdateRepository: false });
    const after = (await web.staticSites.listStaticSiteSecrets(GROUP, 'iota')).properties?.apiKey;
    expect(after).toMatch(/\S{20,}/);
    expect(after).not.toBe(before);
  });

  it('adds, lists and deletes a custom domain (deleteStaticSiteCustomDomain takes 200 or 202 only)', async () => {
    await create('mu', 'Standard');
    const added = await web.staticSites.beginCreateOrUpdateStaticSiteCustomDomainAndWait(
      GROUP,
      'mu',
      'www.mu.example',
      { validationMethod: 'cname-delegation' },
    );
    expect(added.domainName).toBe('www.mu.example');
    const listed = await all(web.staticSites.listStaticSiteCustomDomains(GROUP, 'mu'));
    expect(listed.map((d) => d.domainName)).toEqual(['www.mu.example']);
    await web.staticSites.beginDeleteStaticSiteCustomDomainAndWait(GROUP, 'mu', 'www.mu.example');
    expect(await all(web.staticSites.listStaticSiteCustomDomains(GROUP, 'mu'))).toEqual([]);
  });

  it('names a custom domain it does not have as the caller wrote it, never as its Punycode', async () => {
    await create('nu', 'Standard');
    const notFound = {
      statusCode: 404,
      code: 'CONTROL_DOMAIN_NOT_FOUND',
      message: expect.stringContaining("The site 'nu' has no custom domain bücher.example."),
    };
    await expect(
      web.staticSites.getStaticSiteCustomDomain(GROUP, 'nu', 'bücher.example'),
    ).rejects.toMatchObject(notFound);
    await expect(
      web.staticSites.beginDeleteStaticSiteCustomDomainAndWait(GROUP, 'nu', 'bücher.example'),
    ).rejects.toMatchObject(notFound);
  });

  it('validates a custom domain before adding it (as az staticwebapp hostname set does), saving nothing', async () => {
    await create('xi');
    await create('omicron');
    const validate = (site: string, domain: string, validationMethod?: string) =>
      web.staticSites.beginValidateCustomDomainCanBeAddedToStaticSiteAndWait(GROUP, site, domain, {
        ...(validationMethod === undefined ? {} : { validationMethod }),
      });
    await validate('xi', 'www.xi.example', 'cname-delegation');
    await validate('xi', 'xi.example');
    expect(await all(web.staticSites.listStaticSiteCustomDomains(GROUP, 'xi'))).toEqual([]);
    // The PUT's refusals, with its codes.
    await expect(validate('xi', '*.xi.example')).rejects.toMatchObject({
      statusCode: 400,
      code: 'CONTROL_DOMAIN_NAME_INVALID',
    });
    await expect(validate('xi', 'xi.example', 'cname-delegation')).rejects.toMatchObject({
      statusCode: 400,
      code: 'CONTROL_DOMAIN_METHOD_INVALID',
    });
    await expect(validate('xi', 'www.xi.example', 'http-token')).rejects.toMatchObject({
      statusCode: 400,
      code: 'CONTROL_DOMAIN_METHOD_INVALID',
    });
    await expect(validate('nowhere', 'www.xi.example')).rejects.toMatchObject({ statusCode: 404 });
    await web.staticSites.beginCreateOrUpdateStaticSiteCustomDomainAndWait(
      GROUP,
      'omicron',
      'www.o.example',
      {
        validationMethod: 'cname-delegation',
      },
    );
    await expect(validate('xi', 'www.o.example')).rejects.toMatchObject({
      statusCode: 409,
      code: 'CONTROL_DOMAIN_IN_USE',
    });
    // The Free plan's two domains: a third is refused, a domain the site has can be validated again.
    await web.staticSites.beginCreateOrUpdateStaticSiteCustomDomainAndWait(
      GROUP,
      'omicron',
      'api.o.example',
      {
        validationMethod: 'cname-delegation',
      },
    );
    await expect(validate('omicron', 'docs.o.example')).rejects.toMatchObject({
      statusCode: 400,
      code: 'CONTROL_DOMAIN_LIMIT',
    });
    await validate('omicron', 'www.o.example');
  });

  it('an operation Portico does not implement is a 501 that says so, not a 404 like a missing site', async () => {
    await create('nu');
    await expect(
      web.staticSites.createOrUpdateBasicAuth(GROUP, 'nu', 'default', {
        applicableEnvironmentsMode: 'AllEnvironments',
      }),
    ).rejects.toMatchObject({
      statusCode: 501,
      code: 'CONTROL_NOT_SUPPORTED',
      message: expect.stringContaining(
        "Portico does not implement PUT …/Microsoft.Web/staticSites/nu/basicAuth/default of Azure's management API",
      ),
    });
  });

  describe('builds and app settings', () => {
    beforeAll(async () => {
      await create('kappa');
      const token = (await web.staticSites.listStaticSiteSecrets(GROUP, 'kappa')).properties?.apiKey ?? '';
      expect((await deployFolders(t.service, token, app)).status).toBe(200);
      expect((await deployFolders(t.service, token, app, { environment: 'staging' })).status).toBe(200);
    });

    it('lists builds', async () => {
      const builds = await all(web.staticSites.listStaticSiteBuilds(GROUP, 'kappa'));
      expect(builds.map((b) => b.buildId).sort()).toEqual(['default', 'staging']);
    });

    it('gets a build', async () => {
      const build = await web.staticSites.getStaticSiteBuild(GROUP, 'kappa', 'staging');
      expect(build.buildId).toBe('staging');
      expect(build.hostname).toMatch(/\.portico\.test$/);
    });

    it('replaces and lists app settings of the site', async () => {
      await web.staticSites.createOrUpdateStaticSiteAppSettings(GROUP, 'kappa', { properties: { A: '1' } });
      const settings = await web.staticSites.listStaticSiteAppSettings(GROUP, 'kappa');
      expect(settings.properties).toEqual({ A: '1' });
    });

    it('replaces and lists app settings of a build', async () => {
      await web.staticSites.createOrUpdateStaticSiteBuildAppSettings(GROUP, 'kappa', 'staging', {
        properties: { B: '2' },
      });
      const settings = await web.staticSites.listStaticSiteBuildAppSettings(GROUP, 'kappa', 'staging');
      expect(settings.properties).toEqual({ B: '2' });
    });

    it("Azure's function app settings are the app settings, of the site and of a build", async () => {
      await web.staticSites.createOrUpdateStaticSiteFunctionAppSettings(GROUP, 'kappa', {
        properties: { FROM_FUNCTIONS: '1' },
      });
      expect((await web.staticSites.listStaticSiteAppSettings(GROUP, 'kappa')).properties).toEqual({
        FROM_FUNCTIONS: '1',
      });
      await web.staticSites.createOrUpdateStaticSiteBuildFunctionAppSettings(GROUP, 'kappa', 'staging', {
        properties: { C: '3' },
      });
      const build = await web.staticSites.listStaticSiteBuildFunctionAppSettings(GROUP, 'kappa', 'staging');
      expect(build.properties).toEqual({ C: '3' });
      expect((await web.staticSites.listStaticSiteFunctionAppSettings(GROUP, 'kappa')).properties).toEqual({
        FROM_FUNCTIONS: '1',
      });
    });

    it('deletes a build', async () => {
      await web.staticSites.deleteStaticSiteBuild(GROUP, 'kappa', 'staging');
      await expect(web.staticSites.getStaticSiteBuild(GROUP, 'kappa', 'staging')).rejects.toMatchObject({
        statusCode: 404,
      });
    });
  });

  describe('users and invitations', () => {
    let host: string;

    beforeAll(async () => {
      host = (await create('lambda', 'Standard')).defaultHostname ?? '';
      const token = (await web.staticSites.listStaticSiteSecrets(GROUP, 'lambda')).properties?.apiKey ?? '';
      expect((await deployFolders(t.service, token, app)).status).toBe(200);
    });

    it('creates an invitation link', async () => {
      const invitation = await web.staticSites.createUserRolesInvitationLink(GROUP, 'lambda', {
        provider: 'github',
        userDetails: 'octocat',
        roles: 'editor',
        numHoursToExpiration: 2,
        domain: '',
      });
      expect(invitation.invitationUrl).toMatch(/^http/);
      expect(invitation.expiresOn).toBeInstanceOf(Date);
    });

    it('lists, updates and deletes users', async () => {
      const session = await t.admin('POST', `${SITES_PATH}/lambda/createTestSession`, {
        properties: { provider: 'github', userDetails: 'mona' },
      });
      const { cookieName, cookieValue } = session.json<{
        properties: { cookieName: string; cookieValue: string };
      }>().properties;
      const invitation = await web.staticSites.createUserRolesInvitationLink(GROUP, 'lambda', {
        provider: 'github',
        userDetails: 'mona',
        roles: 'reader',
        numHoursToExpiration: 1,
      });
      const accepted = await t.get(host, new URL(invitation.invitationUrl ?? '').pathname, {
        headers: { cookie: `${cookieName}=${cookieValue}` },
      });
      expect(accepted.status).toBeLessThan(400);

      const users = await all(web.staticSites.listStaticSiteUsers(GROUP, 'lambda', 'all'));
      expect(users.map((u) => [u.displayName, u.roles])).toEqual([['mona', 'reader']]);
      const userId = users[0]?.userId ?? '';
      const updated = await web.staticSites.updateStaticSiteUser(GROUP, 'lambda', 'github', userId, {
        roles: 'editor',
      });
      expect(updated.roles).toBe('editor');
      await web.staticSites.deleteStaticSiteUser(GROUP, 'lambda', 'github', userId);
      expect(await all(web.staticSites.listStaticSiteUsers(GROUP, 'lambda', 'all'))).toEqual([]);
    });
  });
});
