/**
 * `auth.rolesSource` under `portico start` (spec §2.4): after the emulator's sign-in form, the dev server
 * POSTs the user to the roles function through the API it proxies and adds the roles it answers, as Azure
 * does after a real sign-in; the function stays unreachable from outside (D5). A real API over a socket.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startApp, type TestApp } from '../helpers/app.js';

interface Me {
  clientPrincipal: null | { userDetails: string; userRoles: string[] };
}

/** The roles function: `boss` is an admin, `broken` makes it fail, anyone else gets nothing. */
async function startRolesApi(seen: unknown[]): Promise<Server> {
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    if (req.method !== 'POST' || req.url !== '/api/GetRoles') {
      res.writeHead(404).end();
      return;
    }
    const user = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { userDetails: string };
    seen.push(user);
    if (user.userDetails === 'broken') {
      res.writeHead(500).end('boom');
      return;
    }
    const roles =
      user.userDetails === 'boss'
        ? ['admin', 'Authenticated', 'ANONYMOUS', 'admin']
        : user.userDetails === 'odd'
          ? ['team-a']
          : [];
    // With a byte order mark, as some serializers write one.
    res.writeHead(200, { 'content-type': 'application/json' }).end(`\uFEFF${JSON.stringify({ roles })}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('portico start: the roles function after the emulator’s sign-in', () => {
  const seen: unknown[] = [];
  let api: Server;
  let app: TestApp;

  beforeAll(async () => {
    api = await startRolesApi(seen);
    app = await startApp(
      { 'index.html': 'home', 'admin/index.html': 'admin area' },
      {
        apiDevserverUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
        config: {
          routes: [{ route: '/admin/*', allowedRoles: ['admin'] }],
          auth: {
            rolesSource: '/api/GetRoles',
            identityProviders: {
              customOpenIdConnectProviders: {
                myoidc: {
                  registration: {
                    clientIdSettingName: 'ID',
                    clientCredential: { clientSecretSettingName: 'SECRET' },
                    openIdConnectConfiguration: {
                      wellKnownOpenIdConfiguration: 'https://id.example/.well-known',
                    },
                  },
                  login: {},
                },
              },
            },
          },
        },
      },
    );
  });
  afterAll(async () => {
    await app?.close();
    api?.close();
  });

  const signIn = (userDetails: string, userRoles = '') =>
    app.fetch('/.auth/login/myoidc', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ userDetails, userRoles }).toString(),
    });
  const cookieOf = (setCookie: string | undefined) => (setCookie ?? '').split(';')[0] ?? '';

  it('adds the roles the function answers to those of the form, and the role opens its routes', async () => {
    const signedIn = await signIn('boss', 'editor');
    expect(signedIn.status).toBe(302);
    const cookie = cookieOf(signedIn.header('set-cookie'));
    const me = (await app.fetch('/.auth/me', { headers: { cookie } })).json<Me>();
    expect(me.clientPrincipal?.userRoles).toEqual(['anonymous', 'authenticated', 'editor', 'admin']);
    expect(seen.at(-1)).toMatchObject({ identityProvider: 'myoidc', userDetails: 'boss', accessToken: '' });
    expect((await app.fetch('/admin/', { headers: { cookie } })).text).toBe('admin area');
  });

  it('gives no role the function does not answer', async () => {
    const cookie = cookieOf((await signIn('guest')).header('set-cookie'));
    expect((await app.fetch('/admin/', { headers: { cookie } })).status).toBe(403);
  });

  it("refuses the sign-in when the form's roles and the function's make more than 50, dropping none unseen", async () => {
    const typed = Array.from({ length: 50 }, (_, i) => `r${i}`).join(',');
    const failed = await signIn('boss', typed);
    expect(failed.status).toBe(400);
    expect(failed.text).toContain('make 51 roles, and a user holds at most 50');
  });

  it('refuses the sign-in when the function gives a role no route could name, saying which', async () => {
    const failed = await signIn('odd');
    expect(failed.status).toBe(400);
    expect(failed.text).toContain('team-a');
    expect(failed.text).toContain('role names are letters, digits and');
    expect(failed.header('set-cookie') ?? '').not.toContain('StaticWebAppsAuthCookie=');
    // The developer watching the terminal is told too, not only the browser.
    expect(app.logs).toContainEqual(
      expect.stringMatching(/^warning: \/\.auth: sign-in with myoidc failed: .*"team-a".*letters, digits/),
    );
  });

  it('refuses the sign-in with the reason when the function fails, setting no cookie', async () => {
    const failed = await signIn('broken');
    expect(failed.status).toBe(400);
    expect(failed.text).toContain('the roles function failed (/api/GetRoles answered 500');
    expect(failed.header('set-cookie') ?? '').not.toContain('StaticWebAppsAuthCookie=');
  });

  it('keeps the roles function unreachable from outside', async () => {
    const before = seen.length;
    expect((await app.fetch('/api/GetRoles', { method: 'POST', body: '{}' })).status).toBe(403);
    expect(seen.length).toBe(before);
  });
});

describe('portico start --api: the roles function of the managed functions', () => {
  const SIGNIN_API = fileURLToPath(new URL('../fixtures/signin/api', import.meta.url));
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp(
      { 'index.html': 'home', 'reviews/index.html': 'reviews', 'secret.html': 'the secret' },
      {
        apiDir: SIGNIN_API,
        config: {
          routes: [
            { route: '/reviews/*', allowedRoles: ['reviewer'] },
            { route: '/api/whoami', allowedRoles: ['reviewer'] },
            { route: '/secret.html', allowedRoles: ['reviewer'] },
          ],
          auth: { rolesSource: '/api/GetRoles' },
        },
      },
    );
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  it('calls it in the worker Portico runs and adds its roles', async () => {
    const signedIn = await app.fetch('/.auth/login/github', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ userDetails: 'ada' }).toString(),
    });
    expect(signedIn.status).toBe(302);
    const cookie = (signedIn.header('set-cookie') ?? '').split(';')[0] ?? '';
    const me = (await app.fetch('/.auth/me', { headers: { cookie } })).json<Me>();
    expect(me.clientPrincipal?.userRoles).toEqual(['anonymous', 'authenticated', 'reviewer', 'via_github']);
    expect((await app.fetch('/reviews/', { headers: { cookie } })).text).toBe('reviews');
  });

  const signInAda = async () => {
    const signedIn = await app.fetch('/.auth/login/github', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ userDetails: 'ada' }).toString(),
    });
    return (signedIn.header('set-cookie') ?? '').split(';')[0] ?? '';
  };

  it('keeps the roles function unreachable however its path is written', async () => {
    for (const path of ['/api/GetRoles/', '/API/GetRoles/', '/api//getroles', '/Api/GETROLES']) {
      const answer = await app.fetch(path, { method: 'POST', body: '{"userDetails":"ada"}' });
      expect(answer.status, path).toBe(403);
    }
  });

  it('holds a rule on an /api path for every case the functions answer (they route without case)', async () => {
    for (const path of ['/api/whoami', '/API/whoami', '/api/WhoAmI', '/Api/WHOAMI/']) {
      expect((await app.fetch(path)).status, path).toBe(401);
    }
    const cookie = await signInAda();
    expect((await app.fetch('/API/WhoAmI', { headers: { cookie } })).status).toBe(200);
  });

  it('holds a rule on an .html file for the extensionless URL that serves it', async () => {
    expect((await app.fetch('/secret.html')).status).toBe(401);
    expect((await app.fetch('/secret')).status).toBe(401);
    const cookie = await signInAda();
    const opened = await app.fetch('/secret', { headers: { cookie } });
    expect(opened.status).toBe(200);
    expect(opened.text).toBe('the secret');
  });
});

describe('portico start without an API: a roles function that cannot be called', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp(
      { 'index.html': 'home' },
      { config: { routes: [], auth: { rolesSource: '/api/GetRoles' } } },
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  it('says at start that no roles will come from it, and the form still signs in', async () => {
    expect(app.logs.join('\n')).toContain(
      'auth.rolesSource: /api/GetRoles is not called: no API is running (start with --api <folder> or --api-devserver-url <url>)',
    );
    const signedIn = await app.fetch('/.auth/login/github', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ userDetails: 'ada', userRoles: 'editor' }).toString(),
    });
    expect(signedIn.status).toBe(302);
  });
});

/**
 * A roles function that answers nothing (`silent`), or its head and then a byte every 50 ms for ever
 * (`trickle`); every request it saw closed is in `closed`.
 */
async function startStuckRolesApi(closed: string[]): Promise<Server> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const { userDetails } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { userDetails: string };
    res.on('close', () => closed.push(userDetails));
    if (userDetails === 'trickle') {
      res.writeHead(200, { 'content-type': 'application/json' }).write('{"roles":');
      const drip = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(drip));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('portico start: a roles function that does not answer in time', () => {
  const closed: string[] = [];
  let api: Server;
  let app: TestApp;

  beforeAll(async () => {
    api = await startStuckRolesApi(closed);
    app = await startApp(
      { 'index.html': 'home' },
      {
        apiDevserverUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
        // The roles function gets 10 seconds, or the API timeout when shorter: 1 second here.
        apiTimeoutSeconds: 1,
        config: { auth: { rolesSource: '/api/GetRoles' } },
      },
    );
  });
  afterAll(async () => {
    await app?.close();
    api?.closeAllConnections();
    api?.close();
  });

  it.each(['silent', 'trickle'])(
    'fails the sign-in (%s), naming the function and the limit, and cancels its request',
    async (userDetails) => {
      const failed = await app.fetch('/.auth/login/github', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ userDetails }).toString(),
      });
      expect(failed.status).toBe(400);
      expect(failed.text).toContain('/api/GetRoles did not answer within 1 second');
      expect(failed.header('set-cookie') ?? '').not.toContain('StaticWebAppsAuthCookie=');
      expect(app.logs).toContainEqual(
        expect.stringMatching(
          /^warning: \/\.auth: sign-in with github failed: .*\/api\/GetRoles did not answer within 1 second/,
        ),
      );
      await eventually(async () => closed.includes(userDetails));
    },
  );
});
