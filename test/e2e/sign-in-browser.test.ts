/**
 * Sign-in in a real browser: headless Chromium against `portico serve` and a real OpenID Connect provider
 * on loopback. The site's host name resolves to the server through Chromium's host resolver rules, so
 * cookies, redirects and SameSite behave as for any user. The user signs in at the provider's own pages,
 * lands on a role-protected page given by the roles function, sees the principal on `/.auth/me` and in
 * `/api`, and signs out.
 * @see spec/swa-behaviour.md §2; issue 6 "Done when"
 */
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from '../helpers/chromium.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc.js';
import { createDeployedSite, removeData, startTestService, type TestService } from '../helpers/service.js';

const API_DIR = fileURLToPath(new URL('../fixtures/signin/api', import.meta.url));

describe.skipIf(!hasChromium('Sign-in browser tests'))('sign-in in Chromium', () => {
  let t: TestService;
  let idp: TestOidcProvider;
  let browser: Browser;
  let host = '';
  const problems: string[] = [];

  const site = (path: string) => `${t.service.publicUrl(host)}${path}`;
  const json = async (page: Page, path: string) => {
    await page.goto(site(path));
    return JSON.parse((await page.locator('body').textContent()) ?? 'null') as Record<string, unknown>;
  };

  beforeAll(async () => {
    idp = await startOidcProvider();
    t = await startTestService({ extra: { identityProviderAddresses: ['127.0.0.1'] } });
    const config = {
      routes: [
        { route: '/reviews/*', allowedRoles: ['reviewer'] },
        { route: '/login', redirect: '/.auth/login/company?post_login_redirect_uri=/reviews/' },
      ],
      responseOverrides: { '401': { redirect: '/login', statusCode: 302 } },
      auth: {
        rolesSource: '/api/GetRoles',
        identityProviders: {
          customOpenIdConnectProviders: {
            company: {
              registration: {
                clientIdSettingName: 'IDP_ID',
                clientCredential: { clientSecretSettingName: 'IDP_SECRET' },
                openIdConnectConfiguration: { wellKnownOpenIdConfiguration: idp.wellKnown },
              },
              login: { nameClaimType: 'preferred_username' },
            },
          },
        },
      },
    };
    host = await createDeployedSite(t, 'browser', {
      files: { 'index.html': '<h1>Home</h1>', 'reviews/index.html': '<h1>Reviews</h1><p>for reviewers</p>' },
      config,
      settings: { IDP_ID: 'browser-client', IDP_SECRET: 'browser-secret' },
      apiDir: API_DIR,
    });
    idp.setClients([
      {
        clientId: 'browser-client',
        clientSecret: 'browser-secret',
        redirectUris: [site('/.auth/login/company/callback')],
      },
    ]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${host} 127.0.0.1`],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await idp?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('signs in at the provider, reaches the reviewers page, and signs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));

    // A protected page sends a stranger to sign in (401 → /login → the provider).
    await page.goto(site('/reviews/'));
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.locator('input[name="login"]').fill('reviewer-ann');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    // The provider asks for consent on first sign-in.
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(site('/reviews/'));
    await expect.poll(() => page.locator('h1').textContent()).toBe('Reviews');

    const me = (await json(page, '/.auth/me')).clientPrincipal as Record<string, unknown>;
    expect(me).toMatchObject({
      identityProvider: 'company',
      userDetails: 'reviewer-ann',
      userRoles: ['anonymous', 'authenticated', 'reviewer', 'via_company'],
    });
    const api = await json(page, '/api/whoami');
    const principal = JSON.parse(Buffer.from(String(api.principal), 'base64').toString('utf8'));
    expect(principal).toMatchObject({ identityProvider: 'company', userDetails: 'reviewer-ann' });

    const cookies = await context.cookies(site('/'));
    const session = cookies.find((cookie) => cookie.name === 'StaticWebAppsAuthCookie');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(cookies.find((cookie) => cookie.name.startsWith('PorticoSignIn'))).toBeUndefined();

    await page.goto(site('/.auth/logout'));
    await page.waitForURL(site('/'));
    expect((await json(page, '/.auth/me')).clientPrincipal).toBeNull();
    expect(problems).toEqual([]);
    await context.close();
  });
});
