/** Spec §12 checks 27, 39, 46–49, 63, 64, 67 and D5: the /api proxy over real sockets. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authCookie, startApp, type TestApp } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';

let backend: Backend;
let app: TestApp;

beforeAll(async () => {
  backend = await startBackend();
  app = await startApp(
    { 'index.html': 'home' },
    {
      apiDevserverUrl: backend.url,
      apiTimeoutSeconds: 1,
      config: {
        routes: [
          { route: '/api/admin/*', methods: ['GET'], allowedRoles: ['registeredusers'] },
          { route: '/api/items/*', methods: ['PUT', 'POST', 'DELETE'], allowedRoles: ['authenticated'] },
          { route: '/api/offers/*', allowedRoles: ['premium'] },
          { route: '/old-api', rewrite: '/api/echo' },
          { route: '/api/moved', redirect: '/api/echo' },
          { route: '/api/error', statusCode: 403 },
        ],
        globalHeaders: { 'X-Test': '1' },
        navigationFallback: { rewrite: '/index.html' },
        auth: {
          rolesSource: '/api/GetRoles',
          identityProviders: {
            github: { registration: { clientIdSettingName: 'ID', clientSecretSettingName: 'SECRET' } },
          },
        },
      },
    },
  );
});
afterAll(async () => {
  await app.close();
  await backend.close();
});

const user = (roles: string[] = []) => authCookie({ userRoles: ['anonymous', 'authenticated', ...roles] });

describe('/api proxy', () => {
  it('45/27. forwards path, query, method and body; API responses get no global headers', async () => {
    const res = await app.fetch('/api/echo/x?a=1&b=%20', { method: 'POST', body: 'hello' });
    expect(res.status).toBe(200);
    const echo = res.json<EchoRequest>();
    expect(echo).toMatchObject({ method: 'POST', url: '/api/echo/x?a=1&b=%20', body: 'hello' });
    expect(res.header('x-from-api')).toBe('1');
    expect(res.header('x-test')).toBeUndefined();
    expect(echo.headers['x-forwarded-proto']).toBe('http');
    expect(echo.headers['x-forwarded-host']).toBe(new URL(app.url).host);
    expect(echo.headers['x-ms-original-url']).toBe(`${app.url}/api/echo/x?a=1&b=%20`);
    expect(echo.headers['x-ms-request-id']).toEqual(expect.any(String));
  });

  it('a blocking statusCode on an /api route answers it without calling the API (decision 0013)', async () => {
    const before = backend.requests.length;
    const res = await app.fetch('/api/error', { method: 'POST', body: 'x' });
    expect(res.status).toBe(403);
    expect(backend.requests.length).toBe(before);
    expect((await app.fetch('/api/errors')).status).toBe(200);
  });

  it('passes backend status, headers and every cookie through; /API is an API path too', async () => {
    const res = await app.fetch('/API/teapot');
    expect(res.status).toBe(418);
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(res.text).toBe('short and stout');
  });

  it('39/64. the principal header is set for a signed-in user only, and a spoofed one is removed', async () => {
    const spoof = Buffer.from(JSON.stringify({ userId: 'evil', userRoles: ['admin'] })).toString('base64');
    const anon = (
      await app.fetch('/api/echo', { headers: { 'x-ms-client-principal': spoof } })
    ).json<EchoRequest>();
    expect(anon.headers['x-ms-client-principal']).toBeUndefined();
    const signed = (
      await app.fetch('/api/echo', {
        headers: { cookie: authCookie({ userDetails: 'bob' }), 'x-ms-client-principal': spoof },
      })
    ).json<EchoRequest>();
    const principal = JSON.parse(
      Buffer.from(String(signed.headers['x-ms-client-principal']), 'base64').toString(),
    );
    expect(principal).toMatchObject({ identityProvider: 'github', userDetails: 'bob' });
    expect(principal.userRoles).toEqual(expect.arrayContaining(['anonymous', 'authenticated']));
    expect(principal).not.toHaveProperty('claims');
  });

  it('19/47. API role rules: 401 anonymous, 403 wrong role (D6), literal wildcard on /api (D1)', async () => {
    expect((await app.fetch('/api/admin/x')).status).toBe(401);
    expect((await app.fetch('/api/admin/x', { headers: { cookie: user() } })).status).toBe(403);
    expect((await app.fetch('/api/admin/x', { headers: { cookie: user(['registeredusers']) } })).status).toBe(
      200,
    );
    expect((await app.fetch('/api/items', { headers: { cookie: user() } })).status).toBe(200);
    expect((await app.fetch('/api/items/10', { method: 'PUT', headers: { cookie: user() } })).status).toBe(
      200,
    );
    expect((await app.fetch('/api/items/10', { method: 'PUT' })).status).toBe(401);
    expect((await app.fetch('/api/offers/1', { headers: { cookie: user() } })).status).toBe(403);
    expect((await app.fetch('/api/offers', { headers: { cookie: user() } })).status).toBe(200);
  });

  it('API role rules see a path as a Java backend reads it: without ";" parameters or "..;" segments', async () => {
    const before = backend.requests.length;
    expect((await app.fetch('/api/admin;x/y')).status).toBe(401);
    expect((await app.fetch('/api/admin%3Bx/y')).status).toBe(401);
    // Repeated and trailing slashes too, which Tomcat merges and Spring matches past.
    expect((await app.fetch('/api/;/admin/y')).status).toBe(401);
    expect((await app.fetch('/api//admin/y')).status).toBe(401);
    expect((await app.fetch('/api/offers/1//', { headers: { cookie: user() } })).status).toBe(403);
    expect((await app.fetch('/api/x/..;/admin/y')).status).toBe(400);
    expect((await app.fetch('/api/x/.;y/admin/y')).status).toBe(400);
    // Letters that upper-case to ASCII (dotless i, long s): the functions host and .NET fold them so.
    expect((await app.fetch('/api/adm%C4%B1n/y')).status).toBe(401);
    expect((await app.fetch('/api/offer%C5%BF/1', { headers: { cookie: user() } })).status).toBe(403);
    expect(backend.requests.length).toBe(before);
    // Sent on as written: a backend that reads ";" as part of the name gets what the client sent.
    const echo = (await app.fetch('/api/echo;v=1?q', { headers: { cookie: user() } })).json<EchoRequest>();
    expect(echo.url).toBe('/api/echo;v=1?q');
  });

  it('67. a rewrite to /api keeps the query and reports the original URL', async () => {
    const echo = (await app.fetch('/old-api?q=1')).json<EchoRequest>();
    expect(echo.url).toBe('/api/echo?q=1');
    expect(echo.headers['x-ms-original-url']).toBe(`${app.url}/old-api?q=1`);
  });

  it('redirect rules apply on /api', async () => {
    const res = await app.fetch('/api/moved');
    expect(res.status).toBe(302);
    expect(res.header('location')).toBe(`${app.url}/api/echo`);
  });

  it('D5. the roles function is not reachable from outside', async () => {
    const before = backend.requests.length;
    expect((await app.fetch('/api/GetRoles')).status).toBe(403);
    expect((await app.fetch('/api/getroles', { method: 'POST', body: '{}' })).status).toBe(403);
    expect((await app.fetch('/api/GetRoles;x', { method: 'POST', body: '{}' })).status).toBe(403);
    expect((await app.fetch('/api/GetRoles%3B', { method: 'POST', body: '{}' })).status).toBe(403);
    expect((await app.fetch('/api/getrole%C5%BF', { method: 'POST', body: '{}' })).status).toBe(403);
    expect((await app.fetch('/api/GetRoleſ'.replace('ſ', '%C5%BF'))).status).toBe(403);
    expect(backend.requests.length).toBe(before);
  });

  it('48. a slow backend ends with 500 "Backend call failure" at the timeout', async () => {
    const res = await app.fetch('/api/slow');
    expect(res.status).toBe(500);
    expect(res.text).toContain('Backend call failure');
    expect((await app.fetch('/api/echo')).status).toBe(200);
  });

  it('request bodies over 30 MB are refused with 413', async () => {
    const before = backend.requests.length;
    const res = await app.fetch('/api/echo', { method: 'POST', body: Buffer.alloc(31 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(backend.requests.length).toBe(before);
  });

  it('plain /api is not an API call and falls back like any path', async () => {
    expect((await app.fetch('/api')).text).toBe('home');
  });

  it('49. a WebSocket upgrade is refused at once', async () => {
    const { port } = new URL(app.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'GET /api/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        );
      });
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString();
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.setTimeout(3000, () => reject(new Error('upgrade hung')));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 501/);
  });
});

describe('a dead backend (check 63)', () => {
  it('answers 502 with an explanation', async () => {
    const dead = await startBackend();
    await dead.close();
    const other = await startApp({ 'index.html': 'x' }, { apiDevserverUrl: dead.url });
    try {
      const res = await other.fetch('/api/x');
      expect(res.status).toBe(502);
      expect(res.text.length).toBeGreaterThan(10);
    } finally {
      await other.close();
    }
  });

  it('46. without an API backend /api paths are 404 with a hint', async () => {
    const other = await startApp({ 'index.html': 'x' });
    try {
      const res = await other.fetch('/api/path-does-not-exist');
      expect(res.status).toBe(404);
      expect(res.text).toContain('--api-devserver-url');
    } finally {
      await other.close();
    }
  });
});
