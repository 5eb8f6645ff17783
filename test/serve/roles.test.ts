/**
 * Role management as a visitor sees it in `portico serve`: admin-minted test sessions, invitation links
 * at `/.auth/invitations/<code>` (accept, sign-in redirect, 400 through `responseOverrides`), roles read
 * at each request (an update or removal applies to existing sessions), purge, and sessions bound to
 * their site and environment. Real sockets, real SQLite.
 * @see spec/swa-behaviour.md §2.3–2.4; issue 4 "Roles"
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestResponse } from '../helpers/app.js';
import { writeApp } from '../helpers/app.js';
import { CLI_RUNS_TIMEOUT, runCli } from '../helpers/cli.js';
import { PROVIDERS_CONFIG } from '../helpers/identity-config.js';
import {
  ADMIN_TOKEN,
  createDeployedSite,
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

interface Principal {
  identityProvider: string;
  userId: string;
  userDetails: string;
  userRoles: string[];
}

interface PendingInvitation {
  roles: string[];
  domain: string;
  expiresOn: string;
}

interface MintedSession {
  properties: {
    cookieName: string;
    cookieValue: string;
    expiresOn: string;
    clientPrincipal: Principal;
    pendingInvitations: PendingInvitation[];
  };
}

const CONFIG = {
  routes: [{ route: '/members/*', allowedRoles: ['member'] }],
  responseOverrides: { '400': { rewrite: '/bad-invite.html' } },
};

describe('portico serve: users, invitations and sessions', () => {
  let t: TestService;
  let club: string;
  let other: string;
  const deploymentTokens = new Map<string, string>();

  async function createSite(name: string): Promise<string> {
    const created = await t.admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: 'Standard' } });
    expect(created.status).toBe(201);
    const body = created.json<{ properties: { defaultHostname: string; apiKey: string } }>();
    deploymentTokens.set(name, body.properties.apiKey);
    const app = await writeApp(
      {
        'index.html': `<h1>${name} home</h1>`,
        'members/index.html': `<h1>${name} members</h1>`,
        'bad-invite.html': `<h1>${name}: that invitation does not work</h1>`,
      },
      CONFIG,
    );
    expect((await deployFolders(t.service, body.properties.apiKey, app)).status).toBe(200);
    return body.properties.defaultHostname;
  }

  async function mint(
    site: string,
    userDetails: string,
    environmentName?: string,
  ): Promise<{ cookie: string; principal: Principal; pending: PendingInvitation[] }> {
    const response = await t.admin('POST', `${SITES_PATH}/${site}/createTestSession`, {
      properties: {
        provider: 'github',
        userDetails,
        ...(environmentName === undefined ? {} : { environmentName }),
      },
    });
    expect(response.status).toBe(200);
    const { properties } = response.json<MintedSession>();
    return {
      cookie: `${properties.cookieName}=${properties.cookieValue}`,
      principal: properties.clientPrincipal,
      pending: properties.pendingInvitations,
    };
  }

  async function invite(site: string, userDetails: string, roles: string): Promise<string> {
    const response = await t.admin('POST', `${SITES_PATH}/${site}/createUserInvitation`, {
      properties: { provider: 'github', userDetails, roles, numHoursToExpiration: 1 },
    });
    expect(response.status).toBe(200);
    const url = new URL(response.json<{ properties: { invitationUrl: string } }>().properties.invitationUrl);
    return url.pathname;
  }

  async function me(host: string, cookie: string): Promise<Principal | null> {
    const response = await t.get(host, '/.auth/me', { headers: { cookie } });
    return response.json<{ clientPrincipal: Principal | null }>().clientPrincipal;
  }

  async function users(site: string): Promise<{ properties: { userId: string; roles: string } }[]> {
    const response = await t.admin('POST', `${SITES_PATH}/${site}/authproviders/all/listUsers`);
    return response.json<{ value: { properties: { userId: string; roles: string } }[] }>().value;
  }

  const open = (host: string, path: string, cookie?: string): Promise<TestResponse> =>
    t.get(host, path, cookie === undefined ? {} : { headers: { cookie } });

  /** GET `path` exactly as written (a URL parser would resolve `..` and `\\`); resolves with the status. */
  const openAsSpelled = (host: string, path: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const headers = { host: `${host}:${t.service.port}` };
      const req = request({ host: '127.0.0.1', port: t.service.port, path, headers, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });

  /** Every line the service logged (as with --verbose). */
  const logged: string[] = [];

  beforeAll(async () => {
    const log = (message: string) => void logged.push(message);
    t = await startTestService({
      logger: { debug: log, info: log, warn: log, error: log },
      extra: { verbose: true },
    });
    club = await createSite('club');
    other = await createSite('other');
  });
  afterAll(async () => {
    await t.close();
    await removeData(t.dataDir);
  });

  it('mints a session only with the admin token, and says what is wrong with bad input', async () => {
    const path = `${SITES_PATH}/club/createTestSession`;
    const body = { properties: { provider: 'github', userDetails: 'alice' } };
    expect((await t.admin('POST', path, body, 'wrong-token')).status).toBe(401);
    const badProvider = await t.admin('POST', path, {
      properties: { provider: 'my space', userDetails: 'a' },
    });
    expect(badProvider.status).toBe(400);
    expect(badProvider.json()).toMatchObject({ error: { message: expect.stringContaining('github') } });
    const badHours = await t.admin('POST', path, { properties: { ...body.properties, hours: 100 } });
    expect(badHours.status).toBe(400);
  });

  it('refuses invitations and sessions for a userDetails no sign-in can give, saying why', async () => {
    const invitations = `${SITES_PATH}/club/createUserInvitation`;
    for (const userDetails of ['x\ny', 'bell\u0007', 'tab\tbed', 'a'.repeat(257), '  ']) {
      const invited = await t.admin('POST', invitations, {
        properties: { provider: 'github', userDetails, roles: 'member', numHoursToExpiration: 1 },
      });
      expect(invited.status, JSON.stringify(userDetails)).toBe(400);
      expect(invited.text).toContain('without control characters');
      const session = await t.admin('POST', `${SITES_PATH}/club/createTestSession`, {
        properties: { provider: 'github', userDetails },
      });
      expect(session.status, JSON.stringify(userDetails)).toBe(400);
    }
    // A comma is a name a provider may show ("Doe, Jane" as a display name): a sign-in can match it.
    const session = await mint('other', 'Doe, Jane');
    expect((await open(other, await invite('other', 'Doe, Jane', 'member'), session.cookie)).status).toBe(
      302,
    );
    expect((await me(other, session.cookie))?.userRoles).toContain('member');
  });

  it('refuses a session for a provider the environment does not offer, as invitations are refused', async () => {
    const okta = PROVIDERS_CONFIG.auth.identityProviders.customOpenIdConnectProviders;
    await createDeployedSite(t, 'okta-only', {
      files: { 'index.html': 'okta only' },
      config: { auth: { identityProviders: { customOpenIdConnectProviders: okta } } },
      settings: { OKTA_CLIENT_ID: 'okta', OKTA_CLIENT_SECRET: 'okta-secret' },
    });
    const session = (provider: string, site = 'okta-only') =>
      t.admin('POST', `${SITES_PATH}/${site}/createTestSession`, {
        properties: { provider, userDetails: 'bob' },
      });
    for (const provider of ['github', 'nosuch']) {
      const refused = await session(provider);
      expect(refused.status, refused.text).toBe(400);
      expect(refused.text).toContain(
        `provider '${provider}' is not one the site offers: its production deployment's auth.identityProviders offer okta`,
      );
    }
    expect((await session('okta')).status).toBe(200);
    // Without registrations a site offers the preconfigured providers only.
    const twitter = await session('twitter', 'club');
    expect(twitter.status).toBe(400);
    expect(twitter.text).toContain('registers no providers, so it has github, aad');
  });

  it('a minted session signs the user in on its own site only, with a stable per-site userId', async () => {
    const alice = await mint('club', 'alice');
    const principal = await me(club, alice.cookie);
    expect(principal).toMatchObject({
      identityProvider: 'github',
      userDetails: 'alice',
      userRoles: ['anonymous', 'authenticated'],
    });
    expect(principal?.userId).toMatch(/^[0-9a-f]{32}$/);
    expect((await mint('club', 'alice')).principal.userId).toBe(principal?.userId);
    expect((await mint('other', 'alice')).principal.userId).not.toBe(principal?.userId);
    // The cookie of one site means nothing on another.
    expect(await me(other, alice.cookie)).toBeNull();
    expect((await open(club, '/members/', alice.cookie)).status).toBe(403);
  });

  it('a session of one environment means nothing on another environment of the same site', async () => {
    const app = await writeApp(
      { 'index.html': '<h1>club stage</h1>', 'members/index.html': 'stage' },
      CONFIG,
    );
    const deployed = await deployFolders(t.service, deploymentTokens.get('club') ?? '', app, {
      environment: 'stage',
    });
    expect(deployed.status).toBe(200);
    const build = await t.admin('GET', `${SITES_PATH}/club/builds/stage`);
    const stage = build.json<{ properties: { hostname: string } }>().properties.hostname;
    // A preview may run other code than production (its own roles function, its own providers): what
    // it signs in must not carry over, and production's sessions do not open a preview either.
    const onStage = await mint('club', 'ivy', 'stage');
    expect(await me(stage, onStage.cookie)).toMatchObject({ userDetails: 'ivy' });
    expect(await me(club, onStage.cookie)).toBeNull();
    const onProduction = await mint('club', 'ivy');
    expect(await me(club, onProduction.cookie)).toMatchObject({ userDetails: 'ivy' });
    expect(await me(stage, onProduction.cookie)).toBeNull();
    const missing = await t.admin('POST', `${SITES_PATH}/club/createTestSession`, {
      properties: { provider: 'github', userDetails: 'ivy', environmentName: 'nope' },
    });
    expect(missing.status).toBe(404);
    expect(missing.text).toContain("no environment 'nope'");
  });

  it('an invitation link gives its roles to the invited user, once', async () => {
    const link = await invite('club', 'Alice', 'member,editor');
    const alice = await mint('club', 'alice');
    const bob = await mint('club', 'bob');
    // A session does not accept the invitation (as on Azure, opening its link does); it says one waits.
    expect(alice.principal.userRoles).toEqual(['anonymous', 'authenticated']);
    expect(alice.pending).toEqual([
      { roles: ['member', 'editor'], domain: club, expiresOn: expect.any(String) },
    ]);
    expect(bob.pending).toEqual([]);

    const anonymous = await open(club, link);
    expect(anonymous.status).toBe(302);
    const login = new URL(anonymous.header('location') ?? '');
    expect(login.pathname).toBe('/.auth/login/github');
    expect(login.searchParams.get('post_login_redirect_uri')).toBe(link);

    const wrongUser = await open(club, link, bob.cookie);
    expect(wrongUser.status).toBe(400);
    expect(wrongUser.text).toContain('club: that invitation does not work');

    // A HEAD (a link checker's, a previewer's) with the invited user's cookie accepts nothing: HEAD is safe.
    const head = await t.get(club, link, { method: 'HEAD', headers: { cookie: alice.cookie } });
    expect(head.status).toBe(405);
    expect(head.header('allow')).toBe('GET');
    expect(head.header('cache-control')).toBe('no-store');
    expect((await me(club, alice.cookie))?.userRoles).toEqual(['anonymous', 'authenticated']);

    const accepted = await open(club, link, alice.cookie);
    // --verbose request lines keep an invitation's code out, as the access log does (a tester found it there).
    const code = link.split('/').at(-1) ?? '';
    expect(logged.some((line) => line.includes('/.auth/invitations/[redacted]'))).toBe(true);
    // Nor does a spelling the server refuses (a regression tester's list).
    for (const spelled of [
      `/.auth/./invitations/${code}`,
      `/.auth/x/../invitations/${code}`,
      `/.auth/invitations;x/${code}`,
      `/.auth\\invitations\\${code}`,
    ]) {
      await openAsSpelled(club, spelled);
    }
    expect(logged.filter((line) => line.includes(code))).toEqual([]);
    expect(accepted.status).toBe(302);
    expect(accepted.header('location')).toBe(`http://${club}:${t.service.port}/`);
    // The cookie issued before the invitation now carries the roles: they are read at each request.
    expect((await me(club, alice.cookie))?.userRoles).toEqual([
      'anonymous',
      'authenticated',
      'member',
      'editor',
    ]);
    expect((await open(club, '/members/', alice.cookie)).text).toContain('club members');
    expect((await users('club')).map((u) => u.properties.userId)).toEqual([alice.principal.userId]);

    expect((await open(club, link, alice.cookie)).status).toBe(400);
    expect((await open(club, link)).status).toBe(400);
    // A session minted now carries the roles from the start, and no invitation waits any more.
    expect((await mint('club', 'ALICE')).pending).toEqual([]);
    expect((await mint('club', 'ALICE')).principal.userRoles).toEqual([
      'anonymous',
      'authenticated',
      'member',
      'editor',
    ]);
  });

  it("an invitation link works on its own domain only, not on a preview environment's host", async () => {
    const build = await t.admin('GET', `${SITES_PATH}/club/builds/stage`);
    const stage = build.json<{ properties: { hostname: string } }>().properties.hostname;
    const link = await invite('club', 'dora', 'member');
    const onStage = await mint('club', 'dora', 'stage');
    expect((await open(stage, link)).status).toBe(400);
    expect((await open(stage, link, onStage.cookie)).status).toBe(400);
    expect((await me(stage, onStage.cookie))?.userRoles).toEqual(['anonymous', 'authenticated']);
    const dora = await mint('club', 'dora');
    expect((await open(club, link, dora.cookie)).status).toBe(302);
    expect((await me(club, dora.cookie))?.userRoles).toEqual(['anonymous', 'authenticated', 'member']);
  });

  it("refuses an invitation on a host that is not the site's, or for a provider it does not offer", async () => {
    const invitation = (properties: Record<string, unknown>) =>
      t.admin('POST', `${SITES_PATH}/club/createUserInvitation`, {
        properties: {
          provider: 'github',
          userDetails: 'eve',
          roles: 'member',
          numHoursToExpiration: 1,
          ...properties,
        },
      });
    const elsewhere = await invitation({ domain: 'evil.example.com' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.text).toContain("is not a domain of the site 'club'");
    // Without registered providers a site offers github and aad only: a twitter link would lead to a 404.
    const twitter = await invitation({ provider: 'twitter' });
    expect(twitter.status).toBe(400);
    expect(twitter.text).toContain('so it has github, aad');
    const own = await invitation({ domain: club.toUpperCase() });
    expect(own.status).toBe(200);
    expect(
      new URL(own.json<{ properties: { invitationUrl: string } }>().properties.invitationUrl).hostname,
    ).toBe(club);
  });

  it(
    'makes an invitation on a site whose roles come from a roles function, warning that its roles are ignored',
    async () => {
      await createDeployedSite(t, 'fn-roles', {
        files: { 'index.html': 'roles from a function' },
        config: { auth: { rolesSource: '/api/GetRoles' } },
      });
      const answer = await t.admin('POST', `${SITES_PATH}/fn-roles/createUserInvitation`, {
        properties: { provider: 'github', userDetails: 'gil', roles: 'member', numHoursToExpiration: 1 },
      });
      expect(answer.status).toBe(200);
      const { properties } = answer.json<{ properties: { invitationUrl: string; warnings?: string[] } }>();
      expect(properties.invitationUrl).toContain('/.auth/invitations/');
      expect(properties.warnings).toEqual([
        expect.stringContaining(
          "the roles member will not be given: the production deployment of 'fn-roles' names a roles function (auth.rolesSource /api/GetRoles",
        ),
      ]);
      // A site without one answers no warnings at all.
      const plain = await t.admin('POST', `${SITES_PATH}/club/createUserInvitation`, {
        properties: { provider: 'github', userDetails: 'gil', roles: 'member', numHoursToExpiration: 1 },
      });
      expect(plain.json<{ properties: Record<string, unknown> }>().properties).not.toHaveProperty('warnings');

      // The CLI says it on stderr, with --json too (stdout keeps its one document, warnings included).
      const connection = ['--url', t.service.adminUrl, '--token', ADMIN_TOKEN];
      const invite = ['users', 'invite', '--site', 'fn-roles', '--provider', 'github', '--user', 'gil'];
      const printed = await runCli([...invite, '--roles', 'editor', ...connection]);
      expect(printed.code, printed.stderr).toBe(0);
      expect(printed.stdout).toMatch(/^invitationUrl:/m);
      expect(printed.stderr).toContain('portico: warning: the roles editor will not be given');
      const json = await runCli([...invite, '--roles', 'editor', '--json', ...connection]);
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout).properties.warnings).toHaveLength(1);
      expect(json.stderr).toContain('portico: warning: the roles editor will not be given');
    },
    CLI_RUNS_TIMEOUT.two,
  );

  it('answers 400 for unknown or malformed links and 405 for other methods', async () => {
    const unknown = await open(club, '/.auth/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('club: that invitation does not work');
    expect((await open(club, '/.auth/invitations/x')).status).toBe(400);
    const post = await t.get(club, '/.auth/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.header('allow')).toBe('GET');
  });

  it('applies role updates and removals to sessions that already exist', async () => {
    const carol = await mint('club', 'carol');
    expect((await open(club, await invite('club', 'carol', 'member'), carol.cookie)).status).toBe(302);
    expect((await open(club, '/members/', carol.cookie)).status).toBe(200);

    const userPath = `${SITES_PATH}/club/authproviders/github/users/${carol.principal.userId}`;
    // Roles a route could never name are refused, as staticwebapp.config.json refuses them.
    const dashed = await t.admin('PATCH', userPath, { properties: { roles: 'team-a' } });
    expect(dashed.status).toBe(400);
    expect(dashed.text).toContain("letters, digits and '_'");
    const many = Array.from({ length: 51 }, (_, i) => `r${i}`).join(',');
    expect((await t.admin('PATCH', userPath, { properties: { roles: many } })).text).toContain('at most 50');
    expect((await t.admin('PATCH', userPath, { properties: { roles: 'reader' } })).status).toBe(200);
    expect((await me(club, carol.cookie))?.userRoles).toEqual(['anonymous', 'authenticated', 'reader']);
    expect((await open(club, '/members/', carol.cookie)).status).toBe(403);

    // Carol signed in on another browser too.
    const elsewhere = await mint('club', 'carol');
    expect((await me(club, elsewhere.cookie))?.userId).toBe(carol.principal.userId);
    expect((await t.admin('DELETE', userPath)).status).toBe(200);
    // Every session of the removed user ends: its userId is one the site no longer knows.
    expect(await me(club, carol.cookie)).toBeNull();
    expect(await me(club, elsewhere.cookie)).toBeNull();
    // Removed and invited again, carol is a new user with a new userId (spec §2.3).
    const again = await mint('club', 'carol');
    expect(again.principal.userId).not.toBe(carol.principal.userId);
    expect((await me(club, again.cookie))?.userId).toBe(again.principal.userId);
    expect((await open(club, await invite('club', 'carol', 'member'), again.cookie)).status).toBe(302);
    expect((await users('club')).find((u) => u.properties.userId === again.principal.userId)).toBeDefined();
  });

  it("purge forgets the user and ends the session, and the user's sessions in other browsers", async () => {
    const dave = await mint('club', 'dave');
    const otherBrowser = await mint('club', 'dave');
    expect((await open(club, await invite('club', 'dave', 'member'), dave.cookie)).status).toBe(302);
    expect((await open(club, '/members/', otherBrowser.cookie)).status).toBe(200);
    expect((await users('club')).some((u) => u.properties.userId === dave.principal.userId)).toBe(true);

    // A link on another site's page cannot make the browser purge (the session cookie is SameSite=Lax).
    // Nor a link on another tenant's page: every site shares the service's domain, so to a browser a
    // sibling site is same-site, and a navigation sends no Origin (a security tester's finding).
    const forgeries: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site', referer: 'https://evil.example/' },
      { 'sec-fetch-site': 'same-site', referer: 'http://other-tenant.portico.test/' },
      { 'sec-fetch-site': 'same-site' },
      { referer: 'http://other-tenant.portico.test/page' },
    ];
    for (const headers of forgeries) {
      const forged = await t.get(club, '/.auth/purge/github', {
        headers: { cookie: dave.cookie, ...headers },
      });
      expect(forged.status, JSON.stringify(headers)).toBe(403);
      expect(forged.text).toContain("asked by another site's page");
    }
    expect((await users('club')).some((u) => u.properties.userId === dave.principal.userId)).toBe(true);

    // A link on the site's own page is followed.
    const purge = await t.get(club, '/.auth/purge/github', {
      headers: {
        cookie: dave.cookie,
        'sec-fetch-site': 'same-origin',
        referer: `http://${club}:${t.service.port}/account`,
      },
    });
    expect(purge.status).toBe(302);
    expect(String(purge.header('set-cookie'))).toMatch(
      /StaticWebAppsAuthCookie=deleted; .*Expires=Thu, 01 Jan 1970/,
    );
    expect((await users('club')).some((u) => u.properties.userId === dave.principal.userId)).toBe(false);
    // The other browser's session is over too: it would otherwise go on with a userId the site forgot,
    // and could take a new invitation under it.
    expect(await me(club, otherBrowser.cookie)).toBeNull();
    expect((await open(club, '/members/', otherBrowser.cookie)).status).not.toBe(200);
    const invitation = await invite('club', 'dave', 'member');
    const accept = await open(club, invitation, otherBrowser.cookie);
    expect(accept.header('location')).toContain('/.auth/login/github');
    // Signing in again after a purge is a new user with a new userId (spec §2.3).
    const again = await mint('club', 'dave');
    expect(again.principal.userId).not.toBe(dave.principal.userId);
    expect((await me(club, again.cookie))?.userId).toBe(again.principal.userId);
    // Purging another provider than the one signed in with changes nothing, and says so.
    const erin = await mint('club', 'erin');
    expect((await open(club, await invite('club', 'erin', 'member'), erin.cookie)).status).toBe(302);
    const otherProvider = await open(club, '/.auth/purge/aad', erin.cookie);
    expect(otherProvider.status).toBe(409);
    expect(otherProvider.text).toContain('You are signed in with github, not aad: nothing was deleted');
    expect(otherProvider.header('set-cookie')).toBeUndefined();
    expect((await me(club, erin.cookie))?.userRoles).toContain('member');
    expect((await users('club')).some((u) => u.properties.userId === erin.principal.userId)).toBe(true);
    // A provider the site does not have, and other methods than GET, are answered as sign-in answers them.
    const unknown = await open(club, '/.auth/purge/nope', erin.cookie);
    expect(unknown.status).toBe(404);
    expect((await open(club, '/.auth/login/nope', erin.cookie)).status).toBe(404);
    const posted = await t.get(club, '/.auth/purge/github', {
      method: 'POST',
      headers: { cookie: erin.cookie },
    });
    expect(posted.status).toBe(405);
    expect(posted.header('allow')).toBe('GET');
    expect((await me(club, erin.cookie))?.userRoles).toContain('member');
  });
});
