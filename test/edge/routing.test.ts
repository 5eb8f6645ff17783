/** Spec §12 checks 1–11 and 20–23: route matching, wildcards, redirects, rewrites and statusCode, over a real socket. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';

const files = {
  'index.html': '<h1>home</h1>',
  'items.html': '<h1>items</h1>',
  'index2.html': '<h1>index2</h1>',
  'calendar.html': '<h1>calendar</h1>',
  'foo.html': '<h1>foo</h1>',
  'thing.foo': 'thing',
  'custom-403.html': '<h1>custom 403</h1>',
  'status-code-403.txt': 'secret',
  'profile/index.html': '<h1>profile</h1>',
  'members/index.html': '<h1>members</h1>',
  'images/thumbnails/a.png': 'png',
  'images/thumbnails/a.svg': '<svg/>',
  'redirect/foo/invalid': 'not a redirect',
  'assets/choose-provider.html': '<h1>choose</h1>',
  'loop.html': '<h1>loop</h1>',
};

const config = {
  routes: [
    { route: '/specials', redirect: '/deals', statusCode: 301 },
    { route: '/loop.html', redirect: '/loop.html', statusCode: 301 },
    { route: '/redirect/*/invalid', statusCode: 418 },
    { route: '/redirect/*', redirect: '/index2.html' },
    { route: '/items', methods: ['GET'], headers: { 'x-rule': 'get' } },
    { route: '/items', methods: ['POST'], redirect: '/posted' },
    { route: '/calendar*', rewrite: '/calendar.html' },
    {
      route: '/images/thumbnails/*.{png,jpg,gif}',
      headers: { 'Cache-Control': 'public, max-age=604800, immutable' },
    },
    { route: '*.foo', redirect: '/foo.html' },
    { route: '/profile/index.html', allowedRoles: ['authenticated'] },
    { route: '/members/', allowedRoles: ['members'] },
    { route: '/login', rewrite: '/.auth/login/github' },
    { route: '/login-to-profile', rewrite: '/.auth/login/github?post_login_redirect_uri=/profile' },
    { route: '/month', rewrite: '/calendar.html?view=month' },
    { route: '/logout', redirect: '/.auth/logout' },
    { route: '/.auth/login/twitter', statusCode: '404' },
    { route: '/status-code-403.txt', statusCode: 403 },
  ],
  responseOverrides: { '403': { rewrite: '/custom-403.html' } },
};

let app: TestApp;
beforeAll(async () => {
  app = await startApp(files, { config });
});
afterAll(() => app.close());

describe('routes and wildcards (spec §12 routing)', () => {
  it('1. redirects with 301 and an absolute Location', async () => {
    const res = await app.fetch('/specials');
    expect(res.status).toBe(301);
    expect(res.header('location')).toBe(`${app.url}/deals`);
  });

  it('1b. skips a redirect to the URL itself (it would loop), serving the path as without it (spec §10.7)', async () => {
    const res = await app.fetch('/loop.html');
    expect(res.status).toBe(200);
    expect(res.text).toBe('<h1>loop</h1>');
    // With a query, the redirect leads elsewhere (no query): it is no loop, and is followed.
    const queried = await app.fetch('/loop.html?x=1');
    expect(queried.status).toBe(301);
    expect(queried.header('location')).toBe(`${app.url}/loop.html`);
  });

  it('2. redirects with 302 by default', async () => {
    const res = await app.fetch('/redirect/foo');
    expect(res.status).toBe(302);
    expect(res.header('location')).toBe(`${app.url}/index2.html`);
  });

  it('3. reaches a second rule for the same route with other methods (D7)', async () => {
    const get = await app.fetch('/items');
    expect(get.header('x-rule')).toBe('get');
    const post = await app.fetch('/items', { method: 'POST' });
    expect(post.status).toBe(302);
    expect(post.header('location')).toBe(`${app.url}/posted`);
  });

  it('4. /calendar* rewrites every path under the prefix without changing the URL', async () => {
    for (const path of ['/calendar', '/calendar/2020', '/calendar/january/1']) {
      const res = await app.fetch(path);
      expect(res.status, path).toBe(200);
      expect(res.text).toContain('calendar');
      expect(res.header('location')).toBeUndefined();
    }
  });

  it('6. extension sets match only the listed extensions', async () => {
    expect((await app.fetch('/images/thumbnails/a.png')).header('cache-control')).toBe(
      'public, max-age=604800, immutable',
    );
    expect((await app.fetch('/images/thumbnails/a.svg')).header('cache-control')).not.toContain('immutable');
  });

  it('7. a mid-path wildcard never matches', async () => {
    const res = await app.fetch('/redirect/foo/invalid');
    expect(res.status).toBe(302);
    expect(res.header('location')).toBe(`${app.url}/index2.html`);
  });

  it('8. a route without a leading slash still matches', async () => {
    const res = await app.fetch('/thing.foo');
    expect(res.status).toBe(302);
    expect(res.header('location')).toBe(`${app.url}/foo.html`);
  });

  it('9. ignores the query string when matching', async () => {
    const res = await app.fetch('/index.html?key=value');
    expect(res.status).toBe(200);
    expect(res.text).toContain('home');
  });

  it('10. an exact index.html rule protects the folder forms too', async () => {
    for (const path of ['/profile', '/profile/', '/profile/index.html']) {
      expect((await app.fetch(path)).status, path).toBe(401);
    }
  });

  it('11. a folder rule does not protect the index.html file itself', async () => {
    expect((await app.fetch('/members/index.html')).status).toBe(200);
    expect((await app.fetch('/members/')).status).toBe(401);
  });
});

describe('rewrite, redirect and statusCode (spec §12 checks 20–23)', () => {
  it('20. a rewrite to /.auth/login/github shows the sign-in page at /login', async () => {
    const res = await app.fetch('/login');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<form');
    expect(res.header('location')).toBeUndefined();
  });

  it("20b. a rewrite target with a query serves its path with its parameters, then the request's", async () => {
    const login = await app.fetch('/login-to-profile');
    expect(login.status).toBe(200);
    expect(login.text).toContain('<form');
    expect(login.text).toContain('/profile');
    const month = await app.fetch('/month?day=3');
    expect(month.status).toBe(200);
    expect(month.text).toBe(files['calendar.html']);
  });

  it('21. /logout redirects to /.auth/logout', async () => {
    const res = await app.fetch('/logout');
    expect(res.status).toBe(302);
    expect(res.header('location')).toBe(`${app.url}/.auth/logout`);
  });

  it('22. a 404 route blocks a provider (string status code accepted)', async () => {
    expect((await app.fetch('/.auth/login/twitter')).status).toBe(404);
  });

  it('23. a 403 route goes through the 403 override', async () => {
    const res = await app.fetch('/status-code-403.txt');
    expect(res.status).toBe(403);
    expect(res.text).toContain('custom 403');
    expect(res.text).not.toContain('secret');
  });
});

describe('extension filters in any script (@see tester finding: non-ASCII input)', () => {
  let intl: TestApp;
  beforeAll(async () => {
    intl = await startApp(
      {
        'index.html': '<h1>spa</h1>',
        'y/a.pdf': 'pdf',
        'y/a.ñx': 'enye',
        'notes.ñx': 'notes',
      },
      {
        config: {
          routes: [{ route: '/y/*.{pdf,ñx}', allowedRoles: ['admin'] }],
          navigationFallback: { rewrite: '/index.html', exclude: ['/*.{txt,ñx}'] },
        },
      },
    );
  });
  afterAll(() => intl.close());

  it('a role rule with a non-ASCII extension protects both extensions, matched on the decoded path', async () => {
    for (const path of ['/y/a.pdf', '/y/a.%C3%B1x', '/y/missing.%C3%B1x']) {
      expect((await intl.fetch(path)).status, path).toBe(401);
    }
  });

  it('a fallback exclude with a non-ASCII extension keeps those paths out of the fallback', async () => {
    expect((await intl.fetch('/notes.%C3%B1x')).text).toBe('notes');
    expect((await intl.fetch('/gone.%C3%B1x')).status).toBe(404);
    expect((await intl.fetch('/gone.html')).text).toBe('<h1>spa</h1>');
  });
});
