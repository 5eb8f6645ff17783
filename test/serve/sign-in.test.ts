/**
 * Real sign-in in `portico serve` against a real OpenID Connect provider on loopback (oidc-provider, with
 * its login and consent pages filled in as a user would): the whole authorization-code flow with state,
 * nonce and PKCE; `/.auth/me`, a role-protected page and `/api` with the principal; the roles function;
 * invitations accepted at sign-in; sign-out; and the failures: wrong state, a replayed code, a tampered
 * cookie, unknown, disabled and unconfigured providers, and open-redirect attempts. Real sockets, real
 * SQLite, a real functions host.
 * @see spec/swa-behaviour.md §2; issue 6
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/index.js';
import { writeApp } from '../helpers/app.js';
import { startGithub, type TestGithub } from '../helpers/github.js';
import {
  type BrowserResponse,
  startOidcProvider,
  TestBrowser,
  type TestOidcProvider,
} from '../helpers/oidc.js';
import {
  createDeployedSite,
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const IDENTITY_HOST = 'identity.portico.test';
const API_DIR = fileURLToPath(new URL('../fixtures/signin/api', import.meta.url));

interface Principal {
  identityProvider: string;
  userId: string;
  userDetails: string;
  userRoles: string[];
  claims: { typ: string; val: string }[];
}

describe('portico serve: sign-in with a real OpenID Connect provider', () => {
  let t: TestService;
  let idp: TestOidcProvider;
  /** What the service told its operator at warn level and above. */
  const warnings: string[] = [];
  const hosts = new Map<string, string>();

  const browser = () =>
    new TestBrowser((url) => {
      const siteHost = [...hosts.values()].includes(url.hostname);
      return siteHost ? { origin: t.service.url, host: url.host } : { origin: url.origin, host: url.host };
    });
  const siteUrl = (site: string, path: string) => `${t.service.publicUrl(hosts.get(site) ?? '')}${path}`;
  /** The flow cookies (one per unfinished sign-in) a browser holds for a host. */
  const flowCookies = (b: TestBrowser, host: string) =>
    [...b.cookiesOf(host)].filter(([name]) => name.startsWith('PorticoSignIn'));
  const me = async (b: TestBrowser, site: string) =>
    JSON.parse((await b.get(siteUrl(site, '/.auth/me'))).text).clientPrincipal as Principal | null;

  async function createSite(name: string, config: unknown, settings: Record<string, string>): Promise<void> {
    const files = {
      'index.html': '<h1>home</h1>',
      'admin/index.html': '<h1>reviewers only</h1>',
      'welcome.html': '<h1>welcome</h1>',
    };
    hosts.set(name, await createDeployedSite(t, name, { files, config, settings, apiDir: API_DIR }));
  }

  const oidcConfig = (extra: Record<string, unknown> = {}) => ({
    routes: [{ route: '/admin/*', allowedRoles: ['reviewer'] }],
    auth: {
      identityProviders: {
        customOpenIdConnectProviders: {
          okta: {
            registration: {
              clientIdSettingName: 'OKTA_ID',
              clientCredential: { clientSecretSettingName: 'OKTA_SECRET' },
              openIdConnectConfiguration: { wellKnownOpenIdConfiguration: idp.wellKnown },
            },
            login: {
              nameClaimType: 'email',
              scopes: ['openid', 'profile', 'email'],
              loginParameterNames: ['login_hint'],
            },
          },
          offline: {
            registration: {
              clientIdSettingName: 'OKTA_ID',
              clientCredential: { clientSecretSettingName: 'OKTA_SECRET' },
              openIdConnectConfiguration: {
                wellKnownOpenIdConfiguration: 'http://127.0.0.1:9/.well-known/openid-configuration',
              },
            },
            login: {},
          },
          retired: {
            enabled: false,
            registration: {
              clientIdSettingName: 'OKTA_ID',
              clientCredential: { clientSecretSettingName: 'OKTA_SECRET' },
              openIdConnectConfiguration: { wellKnownOpenIdConfiguration: idp.wellKnown },
            },
            login: {},
          },
          unset: {
            registration: {
              clientIdSettingName: 'NOT_SET_ID',
              clientCredential: { clientSecretSettingName: 'OKTA_SECRET' },
              openIdConnectConfiguration: { wellKnownOpenIdConfiguration: idp.wellKnown },
            },
            login: {},
          },
        },
      },
      ...extra,
    },
  });

  /** Signs in at `site` with `provider` as `login`; returns the page the browser lands on. */
  async function signIn(
    b: TestBrowser,
    site: string,
    provider: string,
    login: string,
    returnTo = '/welcome.html',
  ) {
    const providerPage = await b.get(
      siteUrl(site, `/.auth/login/${provider}?post_login_redirect_uri=${encodeURIComponent(returnTo)}`),
    );
    expect(providerPage.url.startsWith(idp.issuer), providerPage.url).toBe(true);
    return b.signInAtProvider(providerPage, login);
  }

  beforeAll(async () => {
    idp = await startOidcProvider();
    t = await startTestService({
      providers: { aad: { clientId: 'portico-aad', clientSecret: 'aad-secret', issuer: idp.issuer } },
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: (message) => warnings.push(message),
        error: (message) => warnings.push(message),
      },
      // The provider runs on this machine's loopback, which sign-in refuses unless the operator allows it.
      extra: { identityProviderAddresses: ['127.0.0.1'] },
    });
    await createSite('shop', oidcConfig(), { OKTA_ID: 'portico-okta', OKTA_SECRET: 'okta-secret' });
    await createSite('roles', oidcConfig({ rolesSource: '/api/GetRoles' }), {
      OKTA_ID: 'portico-okta',
      OKTA_SECRET: 'okta-secret',
    });
    // Names shop's client id with a secret it does not know (client ids are public: in every login URL).
    await createSite('impostor', oidcConfig(), { OKTA_ID: 'portico-okta', OKTA_SECRET: 'guessed-secret' });
    await createSite('retiring', oidcConfig(), { OKTA_ID: 'portico-okta', OKTA_SECRET: 'okta-secret' });
    await createSite('plain', undefined, {});
    await createSite('victim', undefined, {});
    // Custom registrations return to each site; the preconfigured aad returns to the identity host only.
    const siteCallbacks = [...hosts.values()].map(
      (host) => `${t.service.publicUrl(host)}/.auth/login/okta/callback`,
    );
    hosts.set('identity', IDENTITY_HOST);
    idp.setClients([
      { clientId: 'portico-okta', clientSecret: 'okta-secret', redirectUris: siteCallbacks },
      {
        clientId: 'portico-aad',
        clientSecret: 'aad-secret',
        redirectUris: [`${t.service.publicUrl(IDENTITY_HOST)}/.auth/login/aad/callback`],
      },
    ]);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await idp?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('signs in through the provider and lands where asked, with the principal on /.auth/me', async () => {
    const b = browser();
    const landed = await signIn(b, 'shop', 'okta', 'alice');
    expect(landed.url).toBe(siteUrl('shop', '/welcome.html'));
    expect(landed.text).toContain('welcome');
    const principal = await me(b, 'shop');
    expect(principal).toMatchObject({
      identityProvider: 'okta',
      userDetails: 'alice@example.com',
      userRoles: ['anonymous', 'authenticated'],
    });
    expect(principal?.userId).toMatch(/^[0-9a-f]{32}$/);
    expect(principal?.claims).toContainEqual({ typ: 'preferred_username', val: 'alice' });
    expect(principal?.claims.map((c) => c.typ)).not.toContain('nonce');
    // The session cookie is sealed: nothing of the principal can be read from it.
    const cookie = b.cookiesOf(new URL(siteUrl('shop', '/')).host).get('StaticWebAppsAuthCookie') ?? '';
    expect(cookie).not.toBe('');
    expect(Buffer.from(cookie, 'base64url').toString('latin1')).not.toContain('alice');
  });

  it('keeps the session cookie small whatever the provider says about the user', async () => {
    const b = browser();
    await signIn(b, 'shop', 'okta', 'big-org-member');
    const principal = await me(b, 'shop');
    expect(principal?.userDetails).toBe('big-org-member@example.com');
    const groups = principal?.claims.filter((claim) => claim.typ === 'groups') ?? [];
    expect(groups.length, JSON.stringify(principal?.claims.map((c) => c.typ))).toBeGreaterThan(0);
    expect(groups.length).toBeLessThan(300);
    const host = new URL(siteUrl('shop', '/')).host;
    const sessionCookies = [...b.cookiesOf(host)].filter(([name]) =>
      name.startsWith('StaticWebAppsAuthCookie'),
    );
    expect(sessionCookies.reduce((sum, [, value]) => sum + value.length, 0)).toBeLessThan(8000);
  });

  it('keeps no more claims than a session holds, and the user signed in, however many short claims there are', async () => {
    const b = browser();
    const landed = await signIn(b, 'shop', 'okta', 'many-groups');
    expect(landed.status).toBe(200);
    const principal = await me(b, 'shop');
    expect(principal?.userDetails).toBe('many-groups@example.com');
    expect(principal?.claims.length).toBeLessThanOrEqual(100);
  });

  it('signs in a user whose name is longer than a session keeps, cutting it', async () => {
    const b = browser();
    const login = `long${'x'.repeat(300)}`;
    expect((await signIn(b, 'shop', 'okta', login)).status).toBe(200);
    expect((await me(b, 'shop'))?.userDetails).toBe(`${login}@example.com`.slice(0, 256));
  });

  it('gives the roles function every claim of the provider, not only what the session keeps', async () => {
    const b = browser();
    await signIn(b, 'roles', 'okta', 'big-reader');
    expect((await me(b, 'roles'))?.userRoles).toContain('groups_300');
  });

  it('fails sign-in, saying why, when the roles function gives more roles than a user holds', async () => {
    const b = browser();
    const failed = await signIn(b, 'roles', 'okta', 'crowd');
    expect(failed.status).toBe(500);
    expect(failed.text).toContain('the roles function gave 60 roles, and a user holds at most 50');
    expect(await me(b, 'roles')).toBeNull();
  });

  it('ends the sessions of a provider the site stops offering, as soon as the deploy is live', async () => {
    const b = browser();
    await signIn(b, 'retiring', 'okta', 'ruth');
    expect((await me(b, 'retiring'))?.identityProvider).toBe('okta');
    const secrets = await t.admin('POST', `${SITES_PATH}/retiring/listSecrets`);
    const { apiKey } = secrets.json<{ properties: { apiKey: string } }>().properties;
    const config = oidcConfig();
    const providers = config.auth.identityProviders.customOpenIdConnectProviders;
    const retired = {
      ...config,
      auth: {
        ...config.auth,
        identityProviders: {
          customOpenIdConnectProviders: {
            ...providers,
            okta: { ...providers.okta, enabled: false },
          },
        },
      },
    };
    const app = await writeApp({ 'index.html': '<h1>home</h1>' }, retired);
    expect((await deployFolders(t.service, apiKey, app, { apiDir: API_DIR })).status).toBe(200);
    await expect.poll(() => me(b, 'retiring')).toBeNull();
  });

  it('hands the principal to the API, without claims, and keeps role-protected pages closed', async () => {
    const b = browser();
    await signIn(b, 'shop', 'okta', 'bob');
    const api = JSON.parse((await b.get(siteUrl('shop', '/api/whoami'))).text) as { principal: string };
    const header = JSON.parse(Buffer.from(api.principal, 'base64').toString('utf8')) as Principal;
    expect(header).toMatchObject({ identityProvider: 'okta', userDetails: 'bob@example.com' });
    expect(header.claims).toBeUndefined();
    expect((await b.get(siteUrl('shop', '/admin/'))).status).toBe(403);
  });

  it('gives the roles of the roles function, which the outside cannot call', async () => {
    const b = browser();
    await signIn(b, 'roles', 'okta', 'carol');
    const principal = await me(b, 'roles');
    expect(principal?.userRoles).toEqual(['anonymous', 'authenticated', 'reviewer', 'via_okta']);
    const admin = await b.get(siteUrl('roles', '/admin/'));
    expect(admin.status).toBe(200);
    expect(admin.text).toContain('reviewers only');
    expect((await b.get(siteUrl('roles', '/api/GetRoles'))).status).toBe(403);
  });

  it('fails sign-in with a clear message when the roles function fails', async () => {
    const b = browser();
    const failed = await signIn(b, 'roles', 'okta', 'broken');
    expect(failed.status).toBe(500);
    expect(failed.text).toContain('the roles function failed');
    expect(failed.text).toContain('/api/GetRoles answered 500');
    expect(await me(b, 'roles')).toBeNull();
  });

  it('fails sign-in after 10 seconds, naming the function and the limit, when the roles function never answers', {
    timeout: 40_000,
  }, async () => {
    const b = browser();
    const failed = await signIn(b, 'roles', 'okta', 'stuck');
    expect(failed.status).toBe(500);
    expect(failed.text).toContain(
      'the roles function failed (/api/GetRoles did not answer within 10 seconds',
    );
    expect(await me(b, 'roles')).toBeNull();
    // The operator is told which site, which request (the id the answer carried), and why.
    const requestId = String(failed.headers['x-ms-request-id']);
    expect(warnings).toContainEqual(
      expect.stringContaining(
        `/.auth on ${hosts.get('roles')}:${t.service.port} (request ${requestId}): sign-in failed (500): Sign-in cannot finish: the roles function failed (/api/GetRoles did not answer within 10 seconds`,
      ),
    );
  });

  it('accepts an invitation at sign-in: the link sends a stranger to sign in, then grants its roles', async () => {
    const invited = await t.admin('POST', `${SITES_PATH}/shop/createUserInvitation`, {
      properties: {
        provider: 'okta',
        userDetails: 'dave@example.com',
        roles: 'reviewer',
        numHoursToExpiration: 1,
      },
    });
    expect(invited.status, invited.text).toBe(200);
    const link = new URL(invited.json<{ properties: { invitationUrl: string } }>().properties.invitationUrl);
    const b = browser();
    const providerPage = await b.get(siteUrl('shop', link.pathname));
    expect(providerPage.url.startsWith(idp.issuer)).toBe(true);
    const landed = await b.signInAtProvider(providerPage, 'dave');
    expect(landed.url).toBe(siteUrl('shop', '/'));
    expect((await me(b, 'shop'))?.userRoles).toEqual(['anonymous', 'authenticated', 'reviewer']);
    expect((await b.get(siteUrl('shop', '/admin/'))).status).toBe(200);
  });

  it('gives two provider accounts showing one e-mail two userIds, and each its own every time', async () => {
    // `olga` and `OLGA` are two accounts at the provider (two subjects) whose e-mails differ only in case:
    // the same userDetails, as far as the site can tell.
    const first = browser();
    await signIn(first, 'shop', 'okta', 'olga');
    const olga = await me(first, 'shop');
    const second = browser();
    await signIn(second, 'shop', 'okta', 'OLGA');
    const other = await me(second, 'shop');
    expect(other?.userDetails.toLowerCase()).toBe(olga?.userDetails.toLowerCase());
    expect(other?.userId).toMatch(/^[0-9a-f]{32}$/);
    expect(other?.userId).not.toBe(olga?.userId);
    const again = browser();
    await signIn(again, 'shop', 'okta', 'olga');
    expect((await me(again, 'shop'))?.userId).toBe(olga?.userId);
    // The first account keeps the id its name gives, the one invitations and the users list show.
    const minted = await t.admin('POST', `${SITES_PATH}/shop/createTestSession`, {
      properties: { provider: 'okta', userDetails: 'olga@example.com' },
    });
    expect(
      minted.json<{ properties: { clientPrincipal: Principal } }>().properties.clientPrincipal.userId,
    ).toBe(olga?.userId);
  });

  it('makes a new user, with a new userId, of someone who signs in again after a purge', async () => {
    const b = browser();
    await signIn(b, 'shop', 'okta', 'pat');
    const before = (await me(b, 'shop'))?.userId;
    expect(before).toMatch(/^[0-9a-f]{32}$/);
    // The same user signed in on another browser.
    const elsewhere = browser();
    await signIn(elsewhere, 'shop', 'okta', 'pat');
    expect((await me(elsewhere, 'shop'))?.userId).toBe(before);
    await b.get(siteUrl('shop', '/.auth/purge/okta'));
    expect(await me(b, 'shop')).toBeNull();
    // The other browser's session ends too: its userId is one the site forgot.
    expect(await me(elsewhere, 'shop')).toBeNull();
    // The provider may remember the user and send the browser straight back.
    const page = await b.get(siteUrl('shop', '/.auth/login/okta'));
    if (page.url.startsWith(idp.issuer)) {
      await b.signInAtProvider(page, 'pat');
    }
    const after = (await me(b, 'shop'))?.userId;
    expect(after).toMatch(/^[0-9a-f]{32}$/);
    expect(after).not.toBe(before);
  });

  it("ends every browser's session of a user who purged, on a site whose roles come from its function", async () => {
    // Such a site keeps the roles of the sealed session and reads no invitation roles per request.
    const [first, second] = [browser(), browser()];
    await signIn(first, 'roles', 'okta', 'quinn');
    await signIn(second, 'roles', 'okta', 'quinn');
    expect((await me(second, 'roles'))?.userRoles).toContain('reviewer');
    await first.get(siteUrl('roles', '/.auth/purge/okta'));
    expect(await me(second, 'roles')).toBeNull();
  });

  it('makes a new user of someone an older node purged, although that node left the account its claim', async () => {
    // @see the upgrade tester's report: a node from before migration 0014 purges by moving the epoch on
    // alone; a node of this version beside it kept giving the account its old userId.
    const b = browser();
    await signIn(b, 'shop', 'okta', 'frank');
    const before = (await me(b, 'shop'))?.userId;
    expect(before).toMatch(/^[0-9a-f]{32}$/);
    const shared = await openDatabase({ dialect: 'sqlite', file: join(t.dataDir, 'portico.db') });
    try {
      const site = await shared.db
        .selectFrom('sites')
        .select('id')
        .where('name', '=', 'shop')
        .executeTakeFirstOrThrow();
      await shared.db
        .insertInto('identity_epochs')
        .values({ site_id: site.id, identity: 'okta\nfrank@example.com', epoch: 1 })
        .execute();
    } finally {
      await shared.close();
    }
    const again = browser();
    await signIn(again, 'shop', 'okta', 'frank');
    const after = (await me(again, 'shop'))?.userId;
    expect(after).toMatch(/^[0-9a-f]{32}$/);
    expect(after).not.toBe(before);
  });

  it('invites only with a provider the site offers, saying which it does', async () => {
    const invite = (site: string, provider: string) =>
      t.admin('POST', `${SITES_PATH}/${site}/createUserInvitation`, {
        properties: { provider, userDetails: 'zoe@example.com', roles: 'reviewer', numHoursToExpiration: 1 },
      });
    // shop registers okta (and offline, unset, and a disabled retired): the preconfigured ones do not apply.
    for (const provider of ['github', 'retired', 'nonexistent']) {
      const refused = await invite('shop', provider);
      expect(refused.status, provider).toBe(400);
      expect(refused.text, provider).toContain('is not one the site offers');
      expect(refused.text, provider).toContain('okta');
    }
    expect((await invite('shop', 'retired')).text).toContain('its config disables it');
    expect((await invite('shop', 'okta')).status).toBe(200);
    // plain registers none: the built-in providers, and no custom one.
    expect((await invite('plain', 'okta')).status).toBe(400);
    expect((await invite('plain', 'github')).status).toBe(200);
  });

  it('HEAD never purges nor signs out: purge is 405 (Allow: GET), logout says where it leads', async () => {
    // @see the regression tester's report: curl -I /.auth/purge/<provider> with a session deleted the data.
    const b = browser();
    await signIn(b, 'shop', 'okta', 'hank');
    const before = (await me(b, 'shop'))?.userId;
    expect(before).toMatch(/^[0-9a-f]{32}$/);
    const purge = await b.head(siteUrl('shop', '/.auth/purge/okta'));
    expect(purge.status).toBe(405);
    expect(purge.headers.allow).toBe('GET');
    expect(purge.headers['set-cookie']).toBeUndefined();
    const logout = await b.head(siteUrl('shop', '/.auth/logout?post_logout_redirect_uri=/welcome.html'));
    expect(logout.status).toBe(302);
    expect(logout.text).toBe(siteUrl('shop', '/welcome.html'));
    expect(logout.headers['set-cookie']).toBeUndefined();
    // Still signed in, and the same user: nothing was forgotten, no sign-out was recorded.
    expect((await me(b, 'shop'))?.userId).toBe(before);
    const elsewhere = browser();
    await signIn(elsewhere, 'shop', 'okta', 'hank');
    expect((await me(elsewhere, 'shop'))?.userId).toBe(before);
  });

  it('signs out: the cookie is cleared, and the session ends for good, even for a copy of the cookie', async () => {
    const b = browser();
    await signIn(b, 'shop', 'okta', 'erin');
    const host = new URL(siteUrl('shop', '/')).host;
    const before = b.cookiesOf(host).get('StaticWebAppsAuthCookie');
    const out = await b.get(siteUrl('shop', '/.auth/logout?post_logout_redirect_uri=/welcome.html'));
    expect(out.url).toBe(siteUrl('shop', '/welcome.html'));
    expect(await me(b, 'shop')).toBeNull();
    expect(b.cookiesOf(host).get('StaticWebAppsAuthCookie')).toBeUndefined();
    // A copy of the signed-out cookie (kept by an attacker, or another tab) no longer signs anyone in.
    const copy = browser();
    copy.cookiesOf(host).set('StaticWebAppsAuthCookie', before ?? '');
    expect(await me(copy, 'shop')).toBeNull();
    // Other sessions of the same user are not affected.
    const other = browser();
    await signIn(other, 'shop', 'okta', 'erin');
    expect((await me(other, 'shop'))?.userDetails).toBe('erin@example.com');
  });

  it('signs in with the preconfigured aad provider the operator set up, on a site without registrations', async () => {
    const b = browser();
    await signIn(b, 'plain', 'aad', 'frank', '/');
    const principal = await me(b, 'plain');
    expect(principal).toMatchObject({ identityProvider: 'aad', userDetails: 'frank', claims: [] });
    // The provider returned to the one callback the operator registered, which sent the browser on.
    expect(
      b.visited.some((url) => url.startsWith(siteUrl('identity', '/.auth/login/aad/callback?code='))),
    ).toBe(true);
    // The same person has another userId on another site.
    const other = browser();
    await signIn(other, 'shop', 'okta', 'frank');
    expect((await me(other, 'shop'))?.userId).not.toBe(principal?.userId);
  });

  it('sends on from the identity host only sign-ins it started, and only to its own sites', async () => {
    const b = browser();
    const forged = await b.get(siteUrl('identity', '/.auth/login/aad/callback?code=x&state=forged'));
    expect(forged.status).toBe(400);
    expect(forged.text).toContain('cannot be returned to its site');
    expect((await b.get(siteUrl('identity', '/'))).status).toBe(404);
    expect((await b.get(siteUrl('identity', '/.auth/me'))).status).toBe(404);
  });

  it('never finishes on one site a sign-in started on another, even with its flow cookie and code', async () => {
    // A tenant starts a sign-in on its own site and gets a code for it (from a user it lured there, or
    // its own); with the flow cookie and the code, it tries to finish the sign-in on another site.
    const attacker = browser();
    const providerPage = await attacker.get(siteUrl('plain', '/.auth/login/aad'));
    const plainHost = new URL(siteUrl('plain', '/')).host;
    const [flowCookie] = flowCookies(attacker, plainHost);
    expect(flowCookie).toBeDefined();
    const stopped = await attacker.signInAtProvider(
      providerPage,
      'vince',
      (url) => url.host === plainHost && url.pathname === '/.auth/login/aad/callback',
    );
    const code = new URL(stopped.text).search;
    expect(code).toContain('code=');
    const victimHost = new URL(siteUrl('victim', '/')).host;
    const replay = browser();
    replay.cookiesOf(victimHost).set(...(flowCookie ?? ['', '']));
    const refused = await replay.get(siteUrl('victim', `/.auth/login/aad/callback${code}`), {
      stopAt: () => true,
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('This sign-in was not started here');
    expect(await me(replay, 'victim')).toBeNull();
    // The site it was started on still finishes it.
    await attacker.get(siteUrl('plain', `/.auth/login/aad/callback${code}`));
    expect((await me(attacker, 'plain'))?.userDetails).toBe('vince');
  });

  it('refuses a callback whose state is not the one it sent', async () => {
    const b = browser();
    const providerPage = await b.get(siteUrl('shop', '/.auth/login/okta'));
    const callback = await b
      .submitForm(providerPage, { login: 'mallory', password: 'x' })
      .then(async (page) =>
        page.text.includes('name="prompt" value="consent"') ? b.submitForm(page, {}) : page,
      );
    // The flow succeeded once; now a callback with a made-up state, as a forged link would carry.
    expect(callback.url).toBe(siteUrl('shop', '/'));
    const start = await b.get(siteUrl('shop', '/.auth/login/okta'), {
      stopAt: (url) => url.origin === idp.issuer,
    });
    expect(start.status).toBe(302);
    const forged = await b.get(siteUrl('shop', '/.auth/login/okta/callback?code=abc&state=forged'));
    expect(forged.status).toBe(400);
    // No sign-in of this browser sent that state: none is finished with it, and the one started stays.
    expect(forged.text).toContain('This sign-in was not started here');
    expect(flowCookies(b, new URL(siteUrl('shop', '/')).host)).toHaveLength(1);
  });

  it('finishes two sign-ins started at once in one browser (two tabs), each where it was asked to land', async () => {
    const b = browser();
    const host = new URL(siteUrl('shop', '/')).host;
    const login = (returnTo: string) =>
      siteUrl('shop', `/.auth/login/okta?post_login_redirect_uri=${encodeURIComponent(returnTo)}`);
    const atCallback = (url: URL) => url.host === host && url.pathname === '/.auth/login/okta/callback';
    /** The callback URL the provider sends a tab to, not followed yet. */
    const callbackOf = async (returnTo: string): Promise<string> => {
      const page = await b.get(login(returnTo), { stopAt: atCallback });
      // The provider asks the first time, and may remember the user the second.
      return (page.text.includes('<form') ? await b.signInAtProvider(page, 'uma', atCallback) : page).text;
    };
    const firstTab = await callbackOf('/welcome.html');
    const secondTab = await callbackOf('/');
    expect(flowCookies(b, host)).toHaveLength(2);
    // The first tab's sign-in finishes although the second started after it.
    expect((await b.get(firstTab)).url).toBe(siteUrl('shop', '/welcome.html'));
    expect((await me(b, 'shop'))?.userDetails).toContain('uma');
    expect((await b.get(secondTab)).url).toBe(siteUrl('shop', '/'));
    expect(flowCookies(b, host)).toHaveLength(0);
  });

  it('keeps at most four unfinished sign-ins per browser, dropping the oldest', async () => {
    const b = browser();
    const host = new URL(siteUrl('shop', '/')).host;
    const stopAtProvider = { stopAt: (url: URL) => url.origin === idp.issuer };
    const states: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const start = await b.get(siteUrl('shop', '/.auth/login/okta'), stopAtProvider);
      states.push(new URL(String(start.headers.location)).searchParams.get('state') ?? '');
    }
    expect(flowCookies(b, host)).toHaveLength(4);
    const oldest = await b.get(siteUrl('shop', `/.auth/login/okta/callback?code=x&state=${states[0]}`));
    expect(oldest.text).toContain('This sign-in was not started here');
  });

  it('refuses a replayed code, even with the flow cookie it came with', async () => {
    const b = browser();
    const providerPage = await b.get(siteUrl('shop', '/.auth/login/okta'));
    const host = new URL(siteUrl('shop', '/')).host;
    const [flowCookie] = flowCookies(b, host);
    expect(flowCookie).toBeDefined();
    let page: BrowserResponse = await b.submitForm(providerPage, { login: 'oscar', password: 'x' });
    expect(page.status).toBeLessThan(400);
    // Follow the provider's pages but stop before the browser returns to the site with the code.
    const stopAtCallback = (url: URL) => url.pathname === '/.auth/login/okta/callback';
    if (page.text.includes('name="prompt" value="consent"')) {
      page = await b.submitForm(page, {});
    }
    expect(b.visited.some((url) => url.includes('/.auth/login/okta/callback?code='))).toBe(true);
    const callbackUrl = b.visited.find((url) => url.includes('/.auth/login/okta/callback?code=')) ?? '';
    const replay = browser();
    replay.cookiesOf(host).set(...(flowCookie ?? ['', '']));
    const again = await replay.get(callbackUrl, { stopAt: stopAtCallback });
    expect(again.status).toBe(401);
    expect(again.text).toContain('refused the sign-in code (invalid_grant)');
    expect(await me(replay, 'shop')).toBeNull();
  });

  it('reads a tampered or hand-made session cookie as nobody', async () => {
    const b = browser();
    await signIn(b, 'shop', 'okta', 'trent');
    const host = new URL(siteUrl('shop', '/')).host;
    const cookie = b.cookiesOf(host).get('StaticWebAppsAuthCookie') ?? '';
    const flipped = `${cookie.slice(0, 20)}${cookie[20] === 'A' ? 'B' : 'A'}${cookie.slice(21)}`;
    b.cookiesOf(host).set('StaticWebAppsAuthCookie', flipped);
    expect(await me(b, 'shop')).toBeNull();
    const emulator = Buffer.from(
      JSON.stringify({
        identityProvider: 'okta',
        userId: 'x',
        userDetails: 'admin',
        userRoles: ['reviewer'],
      }),
    ).toString('base64');
    b.cookiesOf(host).set('StaticWebAppsAuthCookie', emulator);
    expect(await me(b, 'shop')).toBeNull();
    expect((await b.get(siteUrl('shop', '/admin/'))).status).not.toBe(200);
  });

  it('answers unknown, disabled and unconfigured providers, and never the emulator', async () => {
    const b = browser();
    expect((await b.get(siteUrl('shop', '/.auth/login/nope'))).status).toBe(404);
    expect((await b.get(siteUrl('shop', '/.auth/login/retired'))).status).toBe(404);
    // A custom registration disables the preconfigured providers.
    expect((await b.get(siteUrl('shop', '/.auth/login/github'))).status).toBe(404);
    // The visitor is told the provider is unavailable; how the service is set up is for its operator's log.
    const unset = await b.get(siteUrl('shop', '/.auth/login/unset'));
    expect(unset.status).toBe(503);
    expect(unset.text).toBe('Sign-in with unset is not available on this site.');
    const github = await b.get(siteUrl('plain', '/.auth/login/github'));
    expect(github.status).toBe(503);
    // A built-in provider by the name its owner knows it by; a custom one by its own name (above).
    expect(github.text).toBe('Sign-in with GitHub is not available on this site.');
    expect(github.text).not.toContain('<form');
    expect((await b.get(siteUrl('plain', '/.auth/login/github'))).status).toBe(503);
    const told = (text: string) => warnings.filter((line) => line.includes(text));
    expect(told('clientIdSettingName names the app setting NOT_SET_ID')).toEqual([
      expect.stringContaining(
        'sign-in failed (503): auth.identityProviders.customOpenIdConnectProviders.unset.registration.clientIdSettingName names the app setting NOT_SET_ID, which this environment does not have; add it with portico settings set.',
      ),
    ]);
    // Once per cause, however often visitors try.
    expect(told('PORTICO_GITHUB_CLIENT_ID')).toHaveLength(1);
  });

  it('tells the site owner at deploy which app setting a registration names that the environment lacks', async () => {
    const created = await t.admin('PUT', `${SITES_PATH}/lacking`, { sku: { name: 'Standard' } });
    const { apiKey } = created.json<{ properties: { apiKey: string } }>().properties;
    const registration = {
      clientIdSettingName: 'MYIDP_ID',
      clientCredential: { clientSecretSettingName: 'MYIDP_SECRET' },
      openIdConnectConfiguration: { wellKnownOpenIdConfiguration: idp.wellKnown },
    };
    const config = {
      auth: { identityProviders: { customOpenIdConnectProviders: { myidp: { registration, login: {} } } } },
    };
    const settings = await t.admin('PUT', `${SITES_PATH}/lacking/config/appsettings`, {
      properties: { MYIDP_SECRET: 'set' },
    });
    expect(settings.status).toBe(200);
    const app = await writeApp({ 'index.html': '<h1>home</h1>' }, config);
    const deployed = await deployFolders(t.service, apiKey, app);
    expect(deployed.status, deployed.text).toBe(200);
    const warning =
      "warning: app/staticwebapp.config.json: auth.identityProviders.customOpenIdConnectProviders.myidp.registration.clientIdSettingName: names the app setting MYIDP_ID, which this environment does not have: sign-in with myidp answers 503 until you add it with 'portico settings set --site lacking --env production MYIDP_ID=…'";
    // The commit answer's log, which portico deploy prints, and the stored log, which lists and the portal show.
    const log = deployed.json<{ properties: { log: string } }>().properties.log;
    expect(log.split('\n')).toContain(warning);
    expect(log).not.toContain('MYIDP_SECRET');
    const listed = await t.admin('GET', `${SITES_PATH}/lacking/builds/default/deployments`);
    const stored = listed.json<{ value: { properties: { log: string } }[] }>().value[0]?.properties.log;
    expect(stored?.split('\n')).toContain(warning);
  });

  it('passes the login parameters it names on to the provider, and no others', async () => {
    const b = browser();
    const started = await b.get(siteUrl('shop', '/.auth/login/okta?login_hint=alice&prompt=none'), {
      stopAt: (url) => url.origin === idp.issuer,
    });
    const authorize = new URL(started.text);
    expect(authorize.searchParams.get('login_hint')).toBe('alice');
    expect(authorize.searchParams.get('prompt')).toBeNull();
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(siteUrl('shop', '/.auth/login/okta/callback'));
  });

  it('explains a provider that cannot be reached, a callback without its sign-in, and a refusal', async () => {
    const b = browser();
    const offline = await b.get(siteUrl('shop', '/.auth/login/offline'));
    expect(offline.status).toBe(502);
    expect(offline.text).toContain('The provider offline cannot be reached');
    const stray = await b.get(siteUrl('shop', '/.auth/login/okta/callback?code=x&state=y'));
    expect(stray.status).toBe(400);
    expect(stray.text).toContain('This sign-in was not started here');
    await b.get(siteUrl('shop', '/.auth/login/okta'), { stopAt: (url) => url.origin === idp.issuer });
    const denied = await b.get(
      siteUrl('shop', '/.auth/login/okta/callback?error=access_denied&error_description=User%20said%20no'),
    );
    expect(denied.status).toBe(401);
    expect(denied.text).toBe('okta did not sign you in: access_denied (User said no).');
    expect((await b.get(siteUrl('shop', '/.auth/login/unset/callback?code=x'))).status).toBe(404);
    // A provider's sign-out returning to the site ends the session too.
    await signIn(b, 'shop', 'okta', 'xena');
    const back = await b.get(siteUrl('shop', '/.auth/logout/okta/callback'));
    expect(back.url).toBe(siteUrl('shop', '/'));
    expect(await me(b, 'shop')).toBeNull();
  });

  it("keeps a site's client secret its own: naming another site's client id neither borrows nor spoils it", async () => {
    const shopper = browser();
    await signIn(shopper, 'shop', 'okta', 'uma');
    expect((await me(shopper, 'shop'))?.userDetails).toBe('uma@example.com');
    const borrowed = await signIn(browser(), 'impostor', 'okta', 'uma');
    expect(borrowed.status).toBe(401);
    expect(borrowed.text).toContain("okta refused this site's registration (invalid_client)");
    expect(borrowed.text).toContain('signing in again will not help');
    // The operator hears of it (a tester found /.auth failures never logged), without the secret.
    const logged = warnings.filter((line) => line.includes('sign-in failed (401)'));
    expect(logged.some((line) => line.includes('invalid_client'))).toBe(true);
    expect(warnings.join('\n')).not.toContain('guessed-secret');
    const after = browser();
    await signIn(after, 'shop', 'okta', 'vera');
    expect((await me(after, 'shop'))?.userDetails).toBe('vera@example.com');
    // A secret changed in the app settings applies at the next sign-in.
    const rotated = await t.admin('PUT', `${SITES_PATH}/impostor/builds/default/config/appsettings`, {
      properties: { OKTA_ID: 'portico-okta', OKTA_SECRET: 'okta-secret' },
    });
    expect(rotated.status).toBe(200);
    const now = browser();
    await signIn(now, 'impostor', 'okta', 'uma');
    expect((await me(now, 'impostor'))?.userDetails).toBe('uma@example.com');
  });

  it('answers other methods than GET on the sign-in endpoints with 405', async () => {
    for (const path of ['/.auth/login/okta', '/.auth/login/okta/callback']) {
      const response = await t.get(hosts.get('shop') ?? '', path, { method: 'POST', body: 'x=1' });
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
    }
  });

  it('never redirects to another site after sign-in or sign-out', async () => {
    const b = browser();
    const landed = await signIn(b, 'shop', 'okta', 'walter', 'https://evil.example/steal');
    expect(landed.url).toBe(siteUrl('shop', '/'));
    const protocolRelative = await signIn(browser(), 'shop', 'okta', 'walter', '//evil.example/x');
    expect(protocolRelative.url).toBe(siteUrl('shop', '/'));
    const out = await b.get(siteUrl('shop', '/.auth/logout?post_logout_redirect_uri=https://evil.example/'), {
      stopAt: () => true,
    });
    expect(new URL(out.text).host).toBe(new URL(siteUrl('shop', '/')).host);
  });
});

describe('portico serve: sign-in with GitHub (OAuth 2 and the user API)', () => {
  let t: TestService;
  let github: TestGithub;
  const hosts = new Map<string, string>();
  const browser = () =>
    new TestBrowser((url) =>
      [...hosts.values()].includes(url.hostname)
        ? { origin: t.service.url, host: url.host }
        : { origin: url.origin, host: url.host },
    );
  const siteUrl = (site: string, path: string) => `${t.service.publicUrl(hosts.get(site) ?? '')}${path}`;
  const me = async (b: TestBrowser, site: string) =>
    JSON.parse((await b.get(siteUrl(site, '/.auth/me'))).text).clientPrincipal as Principal | null;

  async function createSite(name: string, config: unknown, settings: Record<string, string>): Promise<void> {
    hosts.set(
      name,
      await createDeployedSite(t, name, { files: { 'index.html': '<h1>gh</h1>' }, config, settings }),
    );
  }

  beforeAll(async () => {
    github = await startGithub({ 'portico-gh': 'gh-secret', 'custom-gh': 'custom-secret' });
    t = await startTestService({
      providers: {
        github: { clientId: 'portico-gh', clientSecret: 'gh-secret' },
        githubUrl: github.url,
        githubApiUrl: github.apiUrl,
      },
      extra: { identityProviderAddresses: ['127.0.0.1'] },
    });
    hosts.set('identity', IDENTITY_HOST);
    await createSite('octo', undefined, {});
    await createSite(
      'enterprise',
      {
        auth: {
          identityProviders: {
            github: { registration: { clientIdSettingName: 'GH_ID', clientSecretSettingName: 'GH_SECRET' } },
          },
        },
      },
      { GH_ID: 'custom-gh', GH_SECRET: 'custom-secret' },
    );
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await github?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('signs in with the preconfigured provider: the login is the user details, no claims are shown', async () => {
    github.nextUser = { login: 'octocat', id: 583231, name: 'The Octocat' };
    const b = browser();
    const landed = await b.get(siteUrl('octo', '/.auth/login/github?post_login_redirect_uri=/'));
    expect(landed.url).toBe(siteUrl('octo', '/'));
    expect(await me(b, 'octo')).toMatchObject({
      identityProvider: 'github',
      userDetails: 'octocat',
      claims: [],
    });
    // The preconfigured Entra provider was not set up by the operator.
    expect((await b.get(siteUrl('octo', '/.auth/login/aad'))).status).toBe(503);
  });

  it('signs in with a custom github registration and its app settings, showing the claims', async () => {
    github.nextUser = { login: 'hubot', id: 42, name: 'Hubot' };
    const b = browser();
    await b.get(siteUrl('enterprise', '/.auth/login/github'));
    const principal = await me(b, 'enterprise');
    expect(principal).toMatchObject({ identityProvider: 'github', userDetails: 'hubot' });
    expect(principal?.claims).toContainEqual({ typ: 'name', val: 'Hubot' });
    expect((await b.get(siteUrl('enterprise', '/.auth/login/aad'))).status).toBe(404);
  });

  it('fails with 502 when GitHub cannot say who signed in', async () => {
    github.userApiDown = true;
    try {
      const failed = await browser().get(siteUrl('octo', '/.auth/login/github'));
      expect(failed.status).toBe(502);
      expect(failed.text).toBe('github could not tell who signed in: its user API answered 500.');
    } finally {
      github.userApiDown = false;
    }
    github.nextUser = { login: 'ghost' };
    const nameless = await browser().get(siteUrl('octo', '/.auth/login/github'));
    expect(nameless.status).toBe(502);
    expect(nameless.text).toBe(
      'github could not tell who signed in: its user API did not name the user (id).',
    );
  });

  it('refuses a code GitHub does not know', async () => {
    const b = browser();
    const started = await b.get(siteUrl('octo', '/.auth/login/github'), { stopAt: () => true });
    const state = new URL(started.text).searchParams.get('state');
    const answer = await b.get(siteUrl('octo', `/.auth/login/github/callback?code=made-up&state=${state}`));
    expect(answer.status, answer.text).toBe(401);
    expect(answer.text).toContain('bad_verification_code');
    expect(await me(b, 'octo')).toBeNull();
  });
});
