/** Spec §12 checks 37–42, 56 and 62, and CONTRACT §2 dev sign-in, over a real socket. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authCookie, startApp, type TestApp } from '../helpers/app.js';

interface Me {
  clientPrincipal: null | {
    identityProvider: string;
    userId: string;
    userDetails: string;
    userRoles: string[];
    claims: { typ: string; val: string }[];
  };
}

let app: TestApp;
beforeAll(async () => {
  app = await startApp(
    { 'index.html': 'home', 'secret/index.html': 'secret' },
    {
      config: {
        routes: [{ route: '/secret/*', allowedRoles: ['reader'] }],
        forwardingGateway: { allowedForwardedHosts: ['www.example.org'] },
      },
    },
  );
});
afterAll(() => app.close());

function cookieFrom(setCookie: string | undefined): string {
  const first = (setCookie ?? '').split(/,(?=\s*StaticWebAppsAuthCookie)/)[0] ?? '';
  return first.split(';')[0] ?? '';
}

async function signIn(
  fields: Record<string, string>,
): Promise<{ cookie: string; location?: string; status: number }> {
  const res = await app.fetch('/.auth/login/github', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return {
    cookie: cookieFrom(res.header('set-cookie')),
    location: res.header('location'),
    status: res.status,
  };
}

describe('/.auth endpoints', () => {
  it('37. anonymous /.auth/me → {clientPrincipal: null}', async () => {
    const res = await app.fetch('/.auth/me');
    expect(res.status).toBe(200);
    expect(res.json<Me>()).toEqual({ clientPrincipal: null });
  });

  it('the login form works offline (no external resources)', async () => {
    const res = await app.fetch('/.auth/login/github?post_login_redirect_uri=/home');
    expect(res.status).toBe(200);
    expect(res.header('content-type')).toMatch(/text\/html/);
    expect(res.text).not.toMatch(/(src|href)=["']?https?:/i);
    expect(res.text).toContain('/home');
  });

  it('38/41. sign-in sets an HttpOnly cookie, redirects, and /.auth/me shows the principal', async () => {
    const login = await signIn({
      userDetails: 'alice',
      userRoles: 'reader\nwriter',
      post_login_redirect_uri: '/home',
    });
    expect(login.status).toBe(302);
    expect(login.location).toBe(`${app.url}/home`);
    const me = (await app.fetch('/.auth/me', { headers: { cookie: login.cookie } })).json<Me>();
    expect(me.clientPrincipal?.identityProvider).toBe('github');
    expect(me.clientPrincipal?.userDetails).toBe('alice');
    expect(me.clientPrincipal?.userId).toMatch(/^[0-9a-f]{32}$/);
    expect(me.clientPrincipal?.userRoles).toEqual(
      expect.arrayContaining(['anonymous', 'authenticated', 'reader', 'writer']),
    );
    const again = await signIn({ userDetails: 'alice' });
    const second = (await app.fetch('/.auth/me', { headers: { cookie: again.cookie } })).json<Me>();
    expect(second.clientPrincipal?.userId).toBe(me.clientPrincipal?.userId);
    expect((await app.fetch('/secret/', { headers: { cookie: login.cookie } })).status).toBe(200);
    expect((await app.fetch('/secret/', { headers: { cookie: again.cookie } })).status).toBe(403);
  });

  it('41. an absolute same-host redirect is honoured; another host is not (no open redirect)', async () => {
    expect((await signIn({ userDetails: 'a', post_login_redirect_uri: `${app.url}/success` })).location).toBe(
      `${app.url}/success`,
    );
    for (const evil of ['https://evil.test/x', '//evil.test/x', '/\\evil.test', 'javascript:alert(1)']) {
      expect((await signIn({ userDetails: 'a', post_login_redirect_uri: evil })).location, evil).toBe(
        `${app.url}/`,
      );
    }
  });

  it('refuses the sign-in form posted from another site’s page, and takes it from its own (login CSRF)', async () => {
    const post = (headers: Record<string, string>) =>
      app.fetch('/.auth/login/github', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ userDetails: 'mallory', userRoles: 'reader' }).toString(),
      });
    const crossSite: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of crossSite) {
      const refused = await post(headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(refused.text).toContain("sent from another site's page");
      expect(refused.header('set-cookie') ?? '').not.toContain('StaticWebAppsAuthCookie=');
    }
    const own = await post({ origin: app.url, 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(302);
  });

  it('a missing userDetails is a 400 with the form again', async () => {
    const res = await signIn({ userDetails: '' });
    expect(res.status).toBe(400);
  });

  it('40. logout clears the cookie and redirects', async () => {
    const res = await app.fetch('/.auth/logout?post_logout_redirect_uri=/bye', {
      headers: { cookie: authCookie({}) },
    });
    expect(res.status).toBe(302);
    expect(res.header('location')).toBe(`${app.url}/bye`);
    expect(res.header('set-cookie')).toMatch(/StaticWebAppsAuthCookie=[^;]*;.*Expires=Thu, 01 Jan 1970/i);
  });

  it('42. purge ends the session', async () => {
    const res = await app.fetch('/.auth/purge/github', { headers: { cookie: authCookie({}) } });
    expect(res.header('set-cookie')).toMatch(/Expires=Thu, 01 Jan 1970/i);
  });

  it('purge answers unknown providers, other methods and another provider than the session as sign-in would', async () => {
    const cookie = authCookie({});
    expect((await app.fetch('/.auth/purge/nope', { headers: { cookie } })).status).toBe(404);
    const posted = await app.fetch('/.auth/purge/github', { method: 'POST', headers: { cookie } });
    expect(posted.status).toBe(405);
    expect(posted.header('set-cookie')).toBeUndefined();
    const other = await app.fetch('/.auth/purge/aad', { headers: { cookie } });
    expect(other.status).toBe(409);
    expect(other.text).toContain('signed in with github, not aad');
    expect(other.header('set-cookie')).toBeUndefined();
  });

  it('HEAD neither purges nor signs out: purge answers 405 (Allow: GET), logout only its redirect', async () => {
    const cookie = authCookie({});
    const purge = await app.fetch('/.auth/purge/github', { method: 'HEAD', headers: { cookie } });
    expect(purge.status).toBe(405);
    expect(purge.header('allow')).toBe('GET');
    expect(purge.header('set-cookie')).toBeUndefined();
    const logout = await app.fetch('/.auth/logout?post_logout_redirect_uri=/bye', {
      method: 'HEAD',
      headers: { cookie },
    });
    expect(logout.status).toBe(302);
    expect(logout.header('location')).toBe(`${app.url}/bye`);
    expect(logout.header('set-cookie')).toBeUndefined();
  });

  it('unknown providers and unknown /.auth paths are 404', async () => {
    expect((await app.fetch('/.auth/login/nope')).status).toBe(404);
    expect((await app.fetch('/.auth/whatever')).status).toBe(404);
  });

  it('56. an allowed X-Forwarded-Host is used for redirects, another is ignored', async () => {
    const allowed = await app.fetch('/.auth/logout', { headers: { 'x-forwarded-host': 'www.example.org' } });
    expect(allowed.header('location')).toBe('http://www.example.org/');
    const ignored = await app.fetch('/.auth/logout', { headers: { 'x-forwarded-host': 'evil.test' } });
    expect(ignored.status).toBe(302);
    expect(ignored.header('location')).toBe(`${app.url}/`);
  });

  it('62. malformed cookies mean anonymous and never crash the server', async () => {
    const bad = [
      'StaticWebAppsAuthCookie=not-base64-json',
      `StaticWebAppsAuthCookie=${Buffer.from('[1,2]').toString('base64')}`,
      `StaticWebAppsAuthCookie=${Buffer.from('{"userRoles":"x"}').toString('base64')}`,
      `StaticWebAppsAuthCookie=${'A'.repeat(8000)}`,
      'StaticWebAppsAuthCookie=%E0%A4%A',
      '=;;;StaticWebAppsAuthCookie',
    ];
    for (const cookie of bad) {
      expect((await app.fetch('/.auth/me', { headers: { cookie } })).json<Me>(), cookie).toEqual({
        clientPrincipal: null,
      });
      expect((await app.fetch('/secret/', { headers: { cookie } })).status, cookie).toBe(401);
    }
    expect((await app.fetch('/')).status).toBe(200);
  });
});
