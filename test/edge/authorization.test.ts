/** Spec §12 checks 12–19 and 65: role checks, 401 vs 403 (D6), overrides and the D1 folder rule. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authCookie, startApp, type TestApp } from '../helpers/app.js';

const user = (roles: string[]) => ({
  cookie: authCookie({ userRoles: ['anonymous', 'authenticated', ...roles] }),
});

describe('a protected admin page (checks 12, 15, 16, 65)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(
      {
        'index.html': 'home',
        'admin/index.html': 'admin area',
        'admin/x.html': 'admin x',
        'admin.html': 'sibling',
        'customers/contoso/index.html': 'contoso',
        'custom-forbidden-page.html': 'custom forbidden',
      },
      {
        config: {
          routes: [
            { route: '/admin/*', allowedRoles: ['administrator'] },
            { route: '/customers/contoso*', allowedRoles: ['administrator', 'customers_contoso'] },
          ],
          responseOverrides: { '403': { rewrite: '/custom-forbidden-page.html' } },
        },
      },
    );
  });
  afterAll(() => app.close());

  it('12/65. anonymous → 401, signed in without the role → 403, with the role → 200', async () => {
    for (const path of ['/admin', '/admin/', '/admin/index.html', '/admin/x.html']) {
      expect((await app.fetch(path)).status, path).toBe(401);
      expect((await app.fetch(path, { headers: user([]) })).status, path).toBe(403);
      expect((await app.fetch(path, { headers: user(['administrator']) })).status, path).toBe(200);
    }
  });

  it('a page only some roles may see is cacheable by the browser only, never by a shared cache', async () => {
    const admin = await app.fetch('/admin/x.html', { headers: user(['administrator']) });
    expect(admin.headers['cache-control']).toBe('private, must-revalidate, max-age=30');
    expect((await app.fetch('/admin.html')).headers['cache-control']).toBe(
      'public, must-revalidate, max-age=30',
    );
  });

  it('65. the folder rule never matches the sibling /admin.html', async () => {
    expect((await app.fetch('/admin.html')).text).toBe('sibling');
  });

  it('15. the 403 override serves its page with status 403', async () => {
    const res = await app.fetch('/admin/', { headers: user([]) });
    expect(res.status).toBe(403);
    expect(res.text).toBe('custom forbidden');
  });

  it('OPTIONS answered through an override keeps the override’s status; a plain page answers 204 with Allow', async () => {
    const forbidden = await app.fetch('/admin/', { method: 'OPTIONS', headers: user([]) });
    expect(forbidden.status).toBe(403);
    expect(forbidden.text).toBe('custom forbidden');
    expect((await app.fetch('/admin/', { method: 'OPTIONS' })).status).toBe(401);
    const plain = await app.fetch('/', { method: 'OPTIONS' });
    expect(plain.status).toBe(204);
    expect(plain.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('16. roles are ORed', async () => {
    expect((await app.fetch('/customers/contoso', { headers: user(['customers_contoso']) })).text).toBe(
      'contoso',
    );
  });

  it('any signed-in principal has authenticated even when the cookie omits it', async () => {
    const cookie = authCookie({ userRoles: ['administrator'] });
    expect((await app.fetch('/admin/', { headers: { cookie } })).status).toBe(200);
  });
});

describe('401 overrides (checks 13, 14, 17, 18)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(
      {
        'index.html': 'home',
        'main.js': 'js',
        'assets/choose-provider.html': 'choose',
        'profile/settings.html': 's',
      },
      {
        config: {
          routes: [
            { route: '/*.{js,css}', headers: { 'Cache-Control': 'public, max-age=31536000, immutable' } },
            { route: '/login', rewrite: '/assets/choose-provider.html' },
            { route: '/profile*', allowedRoles: ['authenticated'] },
            { route: '/*', allowedRoles: ['authenticated'] },
          ],
          responseOverrides: {
            '401': { redirect: '/.auth/login/github?post_login_redirect_uri=.referrer', statusCode: 302 },
          },
        },
      },
    );
  });
  afterAll(() => app.close());

  it('14. .referrer becomes the encoded original URL', async () => {
    const res = await app.fetch('/profile/settings?a=1&b=2');
    expect(res.status).toBe(302);
    expect(res.header('location')).toBe(
      `${app.url}/.auth/login/github?post_login_redirect_uri=${encodeURIComponent('/profile/settings?a=1&b=2')}`,
    );
  });

  it('17. the whole-app lock keeps /.auth reachable', async () => {
    expect((await app.fetch('/')).status).toBe(302);
    const login = await app.fetch('/.auth/login/github');
    expect(login.status).toBe(200);
    expect(login.text).toContain('<form');
  });

  it('18. first match wins: assets stay public, /login rewrites', async () => {
    const js = await app.fetch('/main.js');
    expect(js.status).toBe(200);
    expect(js.header('cache-control')).toBe('public, max-age=31536000, immutable');
    const login = await app.fetch('/login');
    expect(login.status).toBe(200);
    expect(login.text).toBe('choose');
  });

  it('13. a plain 401 redirect override', async () => {
    const other = await startApp(
      { 'admin/index.html': 'a' },
      {
        config: {
          routes: [{ route: '/admin/index.html', allowedRoles: ['administrator'] }],
          responseOverrides: { '401': { redirect: '/login', statusCode: 302 } },
        },
      },
    );
    try {
      const res = await other.fetch('/admin');
      expect(res.status).toBe(302);
      expect(res.header('location')).toBe(`${other.url}/login`);
    } finally {
      await other.close();
    }
  });
});

describe('a rule for GET holds for HEAD (decision 0065)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(
      { 'about/index.html': 'about', 'index.html': 'home' },
      { config: { routes: [{ route: '/about/*', methods: ['GET'], allowedRoles: ['admin'] }] } },
    );
  });
  afterAll(() => app.close());

  it('answers HEAD of a page limited to some roles as its GET: 401, without its size, ETag or date', async () => {
    expect((await app.fetch('/about/')).status).toBe(401);
    const head = await app.fetch('/about/', { method: 'HEAD' });
    expect(head.status).toBe(401);
    expect(head.headers.etag).toBeUndefined();
    expect((await app.fetch('/about/', { method: 'HEAD', headers: user(['admin']) })).status).toBe(200);
  });
});
