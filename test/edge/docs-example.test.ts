/** The golden test: the docs' example config and its scenario table (spec §1.11), with Portico's readings (D2, D6). */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../../src/main.js';
import { SILENT_LOGGER } from '../../src/shared/logger.js';
import { authCookie, send } from '../helpers/app.js';
import { type Backend, startBackend } from '../helpers/backend.js';

let server: DevServer;
let backend: Backend;
let dir: string;
const get = (path: string, roles?: string[], method = 'GET') =>
  send(server.url + path, {
    method,
    headers: roles ? { cookie: authCookie({ userRoles: ['anonymous', 'authenticated', ...roles] }) } : {},
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portico-docs-'));
  await cp(new URL('../fixtures/docs-example', import.meta.url).pathname, dir, { recursive: true });
  backend = await startBackend();
  server = await startDevServer({
    appDir: dir,
    apiDevserverUrl: backend.url,
    port: 0,
    host: '127.0.0.1',
    plan: 'standard',
    apiTimeoutSeconds: 45,
    verbose: false,
    logger: SILENT_LOGGER,
  });
});
afterAll(async () => {
  await server.close();
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the docs example config (spec §1.11)', () => {
  it('/profile: authenticated users get the page, anonymous users go to /login', async () => {
    expect((await get('/profile/', [])).text).toContain('Profile');
    const anon = await get('/profile/');
    expect(anon.status).toBe(302);
    expect(anon.header('location')).toBe(`${server.url}/login`);
  });

  it('/admin/: administrator → page; other signed-in → 403 page; anonymous → /login', async () => {
    expect((await get('/admin/', ['administrator'])).text).toContain('Admin');
    const forbidden = await get('/admin/', []);
    expect(forbidden.status).toBe(403);
    expect(forbidden.text).toContain('Forbidden');
    expect((await get('/admin/')).status).toBe(302);
    expect((await get('/admin')).status).toBe(302);
  });

  it('/images/logo.png carries the custom cache header and the global CSP', async () => {
    const res = await get('/images/logo.png');
    expect(res.header('cache-control')).toBe('must-revalidate, max-age=15770000');
    expect(res.header('content-security-policy')).toContain("object-src 'none'");
  });

  it('/api/admin: GET needs registeredusers, writes need administrator (D6)', async () => {
    expect((await get('/api/admin', ['registeredusers'])).status).toBe(200);
    expect((await get('/api/admin', [])).status).toBe(403);
    expect((await get('/api/admin')).status).toBe(302);
    expect((await get('/api/admin', ['administrator'], 'POST')).status).toBe(200);
    expect((await get('/api/admin', ['registeredusers'], 'POST')).status).toBe(403);
  });

  it('/customers/contoso: either role; anonymous → /login', async () => {
    expect((await get('/customers/contoso/', ['customers_contoso'])).text).toContain('Contoso');
    expect((await get('/customers/contoso/', [])).status).toBe(403);
  });

  it('/login starts GitHub sign-in; /.auth/login/twitter is 404 through the override (D2)', async () => {
    expect((await get('/login')).text).toContain('<form');
    const twitter = await get('/.auth/login/twitter');
    expect(twitter.status).toBe(404);
    expect(twitter.text).toContain('Not found');
  });

  it('/logout, /calendar/2021/01, /specials, /data.json, /about', async () => {
    expect((await get('/logout')).header('location')).toBe(`${server.url}/.auth/logout`);
    expect((await get('/calendar/2021/01')).text).toContain('Calendar');
    const specials = await get('/specials');
    expect(specials.status).toBe(301);
    expect(specials.header('location')).toBe(`${server.url}/deals`);
    expect((await get('/data.json')).header('content-type')).toBe('text/json');
    const about = await get('/about');
    expect(about.status).toBe(200);
    expect(about.text).toContain('Home');
  });

  it('a missing image is 404 with the custom page', async () => {
    const res = await get('/images/missing.png');
    expect(res.status).toBe(404);
    expect(res.text).toContain('Not found');
  });
});
