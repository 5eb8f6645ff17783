/**
 * The `/.auth` endpoints over a real `node:http` server on loopback, the way the dev server mounts them.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../config/types.js';
import { createDevSessionCodec, type SessionCodec } from './cookie.js';
import { handleAuthRequest } from './handler.js';
import { deriveUserId } from './principal.js';
import { createProviderFilter } from './providers.js';

interface TestServer {
  readonly server: Server;
  readonly origin: string;
}

async function startServer(
  auth: AuthConfig = { providers: [] },
  codec: SessionCodec = createDevSessionCodec(),
): Promise<TestServer> {
  const isProviderEnabled = createProviderFilter(auth);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const origin = `http://${req.headers.host ?? ''}`;
    void handleAuthRequest(req, res, {
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      method: req.method ?? 'GET',
      origin,
      allowedRedirectHosts: ['www.example.com'],
      principal: codec.read(req.headers.cookie),
      codec,
      isProviderEnabled,
      secureCookies: false,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}

function stopServer(test: TestServer): Promise<void> {
  return new Promise((resolve) => test.server.close(() => resolve()));
}

function post(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The `Cookie` header a browser would send after these `Set-Cookie` lines. */
function cookieJar(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0] ?? '')
    .filter((pair) => !pair.endsWith('=deleted'))
    .join('; ');
}

async function me(origin: string, cookie?: string): Promise<unknown> {
  const response = await fetch(`${origin}/.auth/me`, { headers: cookie ? { cookie } : {} });
  expect(response.status).toBe(200);
  return response.json();
}

describe('/.auth endpoints (dev server)', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startServer();
  });
  afterAll(() => stopServer(test));

  it('GET /.auth/me is null when signed out (check 37)', async () => {
    const response = await fetch(`${test.origin}/.auth/me`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ clientPrincipal: null });
  });

  it('POST /.auth/me is answered too (any method)', async () => {
    const response = await fetch(`${test.origin}/.auth/me`, { method: 'POST' });
    expect(await response.json()).toEqual({ clientPrincipal: null });
  });

  it('a malformed cookie means signed out (D13, check 62)', async () => {
    expect(await me(test.origin, 'StaticWebAppsAuthCookie=not-base64-json')).toEqual({
      clientPrincipal: null,
    });
  });

  it('GET /.auth/login/github shows a self-contained form', async () => {
    const response = await fetch(`${test.origin}/.auth/login/github?post_login_redirect_uri=/home`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain('action="/.auth/login/github"');
    expect(html).toContain('name="post_login_redirect_uri" value="/home"');
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?[^"'\s>]*http/i);
    expect(html).not.toMatch(/<script|<link/i);
  });

  it('POST /.auth/login/github sets an HttpOnly cookie and redirects (checks 38, 41)', async () => {
    const response = await post(`${test.origin}/.auth/login/github`, {
      userDetails: 'ada',
      userRoles: 'reader\nwriter',
      claims: '[{"typ":"name","val":"Ada"}]',
      post_login_redirect_uri: '/home',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${test.origin}/home`);
    const [setCookie] = response.headers.getSetCookie();
    expect(setCookie).toMatch(/^StaticWebAppsAuthCookie=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(await me(test.origin, cookieJar(response))).toEqual({
      clientPrincipal: {
        identityProvider: 'github',
        userId: deriveUserId('github', 'ada'),
        userDetails: 'ada',
        userRoles: ['anonymous', 'authenticated', 'reader', 'writer'],
        claims: [{ typ: 'name', val: 'Ada' }],
      },
    });
  });

  it('redirects to an absolute URL on this host, and falls back to / for other hosts', async () => {
    const same = await post(`${test.origin}/.auth/login/github`, {
      userDetails: 'ada',
      post_login_redirect_uri: `${test.origin}/success`,
    });
    expect(same.headers.get('location')).toBe(`${test.origin}/success`);
    const evil = await post(`${test.origin}/.auth/login/github`, {
      userDetails: 'ada',
      post_login_redirect_uri: '//evil.com/steal',
    });
    expect(evil.status).toBe(302);
    expect(evil.headers.get('location')).toBe(`${test.origin}/`);
  });

  it('takes post_login_redirect_uri from the query when the form has none', async () => {
    const response = await post(`${test.origin}/.auth/login/aad?post_login_redirect_uri=%2Fq`, {
      userDetails: 'a@b.c',
    });
    expect(response.headers.get('location')).toBe(`${test.origin}/q`);
  });

  it('re-renders the form with 400 when userDetails is missing', async () => {
    const response = await post(`${test.origin}/.auth/login/github`, {
      userDetails: ' ',
      userRoles: 'keep_me',
    });
    expect(response.status).toBe(400);
    expect(response.headers.getSetCookie()).toEqual([]);
    const html = await response.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('keep_me');
  });

  it('re-renders the form with 400 when claims are not JSON', async () => {
    const response = await post(`${test.origin}/.auth/login/github`, { userDetails: 'ada', claims: '[{' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('JSON array');
  });

  it('answers 413 to an oversized form and 415 to a non-form body', async () => {
    const big = await post(`${test.origin}/.auth/login/github`, { userDetails: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
    const json = await fetch(`${test.origin}/.auth/login/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"userDetails":"ada"}',
    });
    expect(json.status).toBe(415);
  });

  it('answers 405 to other methods on the login path', async () => {
    const response = await fetch(`${test.origin}/.auth/login/github`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  it('GET /.auth/logout clears the cookie and every chunk, then redirects (check 40)', async () => {
    const response = await fetch(`${test.origin}/.auth/logout?post_logout_redirect_uri=/bye`, {
      redirect: 'manual',
      headers: { cookie: 'StaticWebAppsAuthCookie_0=a; StaticWebAppsAuthCookie_1=b' },
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${test.origin}/bye`);
    expect(response.headers.getSetCookie()).toEqual([
      'StaticWebAppsAuthCookie=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
      'StaticWebAppsAuthCookie_0=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
      'StaticWebAppsAuthCookie_1=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    ]);
  });

  it('GET /.auth/logout defaults to / and refuses open redirects', async () => {
    const plain = await fetch(`${test.origin}/.auth/logout`, { redirect: 'manual' });
    expect(plain.headers.get('location')).toBe(`${test.origin}/`);
    const evil = await fetch(`${test.origin}/.auth/logout?post_logout_redirect_uri=https://evil.com`, {
      redirect: 'manual',
    });
    expect(evil.headers.get('location')).toBe(`${test.origin}/`);
    const allowed = await fetch(
      `${test.origin}/.auth/logout?post_logout_redirect_uri=https://www.example.com/x`,
      {
        redirect: 'manual',
      },
    );
    expect(allowed.headers.get('location')).toBe('https://www.example.com/x');
  });

  it('GET /.auth/purge/github signs out (check 42)', async () => {
    const response = await fetch(`${test.origin}/.auth/purge/github`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${test.origin}/`);
    expect(response.headers.getSetCookie()[0]).toMatch(/^StaticWebAppsAuthCookie=deleted;/);
  });

  it('an unknown provider is a 404 page', async () => {
    const response = await fetch(`${test.origin}/.auth/login/twitter`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('<code>twitter</code>');
    const posted = await post(`${test.origin}/.auth/login/twitter`, { userDetails: 'ada' });
    expect(posted.status).toBe(404);
    expect(posted.headers.getSetCookie()).toEqual([]);
  });

  it.each([
    '/.auth/login/github/callback',
    '/.auth/logout/github/callback',
    '/.auth/unknown',
    '/.auth/login',
  ])('%s is a 404 with the Azure text', async (path) => {
    const response = await fetch(`${test.origin}${path}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("We couldn't find that page, please check the URL and try again.");
  });

  it('full round trip: sign in, me, sign out, me', async () => {
    const login = await post(`${test.origin}/.auth/login/aad`, { userDetails: 'grace@example.com' });
    const cookie = cookieJar(login);
    expect(await me(test.origin, cookie)).toMatchObject({ clientPrincipal: { identityProvider: 'aad' } });
    const logout = await fetch(`${test.origin}/.auth/logout`, { redirect: 'manual', headers: { cookie } });
    expect(cookieJar(logout)).toBe('');
    expect(await me(test.origin, cookieJar(logout) || undefined)).toEqual({ clientPrincipal: null });
  });
});

describe('/.auth with custom providers', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startServer({
      providers: [
        { name: 'okta', kind: 'customOpenIdConnect', enabled: true },
        { name: 'google', kind: 'google', enabled: false },
      ],
    });
  });
  afterAll(() => stopServer(test));

  it('serves only the enabled custom providers', async () => {
    expect((await fetch(`${test.origin}/.auth/login/okta`)).status).toBe(200);
    expect((await fetch(`${test.origin}/.auth/login/github`)).status).toBe(404);
    expect((await fetch(`${test.origin}/.auth/login/google`)).status).toBe(404);
  });

  it('signs in with a custom provider', async () => {
    const response = await post(`${test.origin}/.auth/login/okta`, { userDetails: 'ada' });
    expect(response.status).toBe(302);
    expect(await me(test.origin, cookieJar(response))).toMatchObject({
      clientPrincipal: { identityProvider: 'okta', userId: deriveUserId('okta', 'ada') },
    });
  });
});

/** POSTs `size` bytes with chunked transfer encoding (no Content-Length) and returns the status. */
function postChunked(origin: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}/.auth/login/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let sent = 0; sent < size; sent += 8192) {
      req.write(`userDetails=${'x'.repeat(8180)}`);
    }
    req.end();
  });
}

describe('/.auth edge cases', () => {
  let test: TestServer;
  const failing: SessionCodec = {
    read: () => null,
    issue: () => {
      throw new Error('disk on fire');
    },
    clear: () => [],
  };
  beforeAll(async () => {
    test = await startServer({ providers: [] }, failing);
  });
  afterAll(() => stopServer(test));

  it('answers 413 to an oversized chunked body without Content-Length', async () => {
    expect(await postChunked(test.origin, 200 * 1024)).toBe(413);
  });

  it('answers HEAD on the form without a body', async () => {
    const response = await fetch(`${test.origin}/.auth/login/github`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('turns an unexpected failure into a 500, and keeps serving', async () => {
    const response = await post(`${test.origin}/.auth/login/github`, { userDetails: 'ada' });
    expect(response.status).toBe(500);
    expect((await fetch(`${test.origin}/.auth/me`)).status).toBe(200);
  });
});
