/**
 * Operations of `portico serve` over real sockets (issue 14): `/healthz`, `/readyz` and `/metrics` on the
 * admin port, metrics counted after known traffic, the JSON access log (fields, no secrets, SIGHUP-style
 * reopen) and request ids sent to the API and back to the client.
 */
import { readFile, rename, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send, writeApp } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { CLI_RUNS_TIMEOUT, runCli } from '../helpers/cli.js';
import {
  ADMIN_TOKEN,
  deployFolders,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';
import { parsePrometheus, sampleValue } from './prometheus.js';

const API_DIR = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
const WEB = `${PROVIDERS_PATH}/Microsoft.Web/sites`;

describe('portico serve operations', () => {
  let t: TestService;
  let backend: Backend;
  let logFile: string;
  let shop: string;
  let linked: string;

  async function site(name: string, options: { apiDir?: string } = {}): Promise<string> {
    const created = await t.admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: 'Standard' } });
    const { defaultHostname, apiKey } = created.json<{
      properties: { defaultHostname: string; apiKey: string };
    }>().properties;
    const app = await writeApp({ 'index.html': `<h1>${name}</h1>` });
    expect((await deployFolders(t.service, apiKey, app, options)).status).toBe(200);
    return defaultHostname;
  }

  async function scrape() {
    const response = await send(`${t.service.adminUrl}/metrics`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    return parsePrometheus(response.text);
  }

  async function logLines(): Promise<Record<string, unknown>[]> {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  beforeAll(async () => {
    const dir = await writeApp({});
    logFile = `${dir}/access.log`;
    t = await startTestService({ accessLog: logFile });
    backend = await startBackend();
    shop = await site('shop', { apiDir: API_DIR });
    linked = await site('linked');
    const web = await t.admin('PUT', `${WEB}/orders`, {
      kind: 'app',
      properties: { backendUrl: backend.url },
    });
    expect(web.status).toBe(201);
    const link = await t.admin('PUT', `${SITES_PATH}/linked/linkedBackends/orders`, {
      properties: { backendResourceId: `${WEB}/orders`, backendType: 'webapp' },
    });
    expect(link.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('answers /healthz without a token', async () => {
    const response = await send(`${t.service.adminUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with each dependency checked', async () => {
    const response = await send(`${t.service.adminUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'ok', listeners: 'ok' } });
  });

  it('needs the admin token for /metrics', async () => {
    const anonymous = await send(`${t.service.adminUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: { code: 'CONTROL_UNAUTHORIZED' } });
    const wrong = await send(`${t.service.adminUrl}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('counts requests by site, environment, kind and status class, /api calls and deploys', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) {
      expect((await t.get(shop, '/')).status).toBe(200);
    }
    for (let i = 0; i < 2; i++) {
      expect((await t.get(shop, '/missing.txt')).status).toBe(404);
    }
    expect((await t.get(shop, '/.auth/me')).status).toBe(200);
    expect((await t.get(shop, '/api/setting/PATH')).status).toBeLessThan(500);
    expect((await t.get(linked, '/api/orders/1')).status).toBe(200);
    expect((await t.get('nobody.portico.test', '/')).status).toBe(404);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const requests = 'portico_http_requests_total';
    const shopStatic = { site: 'shop', environment: 'production', kind: 'static' };
    expect(delta(requests, { ...shopStatic, status_class: '2xx' })).toBe(3);
    expect(delta(requests, { ...shopStatic, status_class: '4xx' })).toBe(2);
    expect(delta(requests, { site: 'shop', kind: 'auth', status_class: '2xx' })).toBe(1);
    expect(delta(requests, { site: 'shop', kind: 'api' })).toBe(1);
    expect(delta(requests, { site: 'linked', kind: 'api', status_class: '2xx' })).toBe(1);
    expect(delta(requests, { site: '', kind: 'static', status_class: '4xx' })).toBe(1);
    expect(delta(requests)).toBe(9);
    expect(delta('portico_http_request_duration_seconds_count', shopStatic)).toBe(5);
    expect(delta('portico_api_backend_duration_seconds_count', { outcome: 'ok' })).toBe(2);
    expect(sampleValue(after, 'portico_api_in_flight')).toBe(0);
    expect(sampleValue(after, 'portico_functions_cold_starts_total')).toBe(1);
    expect(sampleValue(after, 'portico_deploys_total', { outcome: 'succeeded' })).toBe(2);
    expect(sampleValue(after, 'portico_process_cpu_seconds_total')).toBeGreaterThan(0);
    const labelNames = new Set(after.flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].filter((n) => /path|user|url/i.test(n))).toEqual([]);
  });

  it('sends the request id to the API and back to the client', async () => {
    const response = await t.get(linked, '/api/echo');
    const id = response.header('x-ms-request-id');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect((backend.requests.at(-1) as EchoRequest).headers['x-ms-request-id']).toBe(id);
    expect((await t.get(shop, '/')).header('x-ms-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('counts a backend that cannot be reached as an /api failure', async () => {
    await backend.close();
    const before = await scrape();
    expect((await t.get(linked, '/api/orders/2')).status).toBe(502);
    const after = await scrape();
    const failures = (s: typeof after) =>
      sampleValue(s, 'portico_api_backend_failures_total', { reason: 'unreachable' });
    expect(failures(after) - failures(before)).toBe(1);
  });

  it('writes one JSON access-log line per request, field by field, without secrets', async () => {
    const secrets = ['sekrit-query-value', 'cookie-value-xyz', 'bearer-token-abc'];
    const response = await t.get(shop, '/index.html?code=sekrit-query-value&state=1', {
      headers: {
        cookie: 'StaticWebAppsAuthCookie=cookie-value-xyz',
        authorization: 'Bearer bearer-token-abc',
        'x-functions-key': 'bearer-token-abc',
      },
    });
    expect(response.status).toBe(200);
    const id = response.header('x-ms-request-id');
    await eventually(async () => (await logLines()).some((line) => line.requestId === id));
    const line = (await logLines()).find((l) => l.requestId === id);
    expect(line).toEqual({
      log: 'access',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      host: `${shop}:${t.service.port}`,
      site: 'shop',
      environment: 'production',
      kind: 'static',
      client: '127.0.0.1',
      method: 'GET',
      path: '/index.html',
      queryNames: ['code', 'state'],
      status: 200,
      bytes: expect.any(Number),
      durationMs: expect.any(Number),
      requestId: id,
    });
    expect(line?.bytes as number).toBeGreaterThan('<h1>shop</h1>'.length);
    const text = await readFile(logFile, 'utf8');
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
    }
  });

  it('logs a keyed hash of the signed-in user id, never the id or the cookie', async () => {
    // The dev emulator's cookie does not work in serve; a session sealed by the service does.
    const principal = {
      identityProvider: 'github',
      userId: 'user-id-0123456789abcdef',
      userDetails: 'octocat',
      userRoles: ['anonymous', 'authenticated'],
    };
    const me = await t.get(shop, '/.auth/me');
    expect(me.status).toBe(200);
    const cookie = await sealedCookie(t, principal);
    const response = await t.get(shop, '/.auth/me', { headers: { cookie } });
    expect(response.json()).toMatchObject({ clientPrincipal: { userId: principal.userId } });
    const id = response.header('x-ms-request-id');
    await eventually(async () => (await logLines()).some((line) => line.requestId === id));
    const line = (await logLines()).find((l) => l.requestId === id);
    expect(line?.userHash).toMatch(/^[0-9a-f]{32}$/);
    const text = await readFile(logFile, 'utf8');
    expect(text).not.toContain(principal.userId);
    expect(text).not.toContain('octocat');
  });

  it('names the user a request was served as: the same hash on every path, none once the session ended', async () => {
    const principal = {
      identityProvider: 'github',
      userId: 'user-id-fedcba9876543210',
      userDetails: 'hubot',
      userRoles: ['anonymous', 'authenticated'],
    };
    const lineOf = async (response: { header(name: string): string | undefined }) => {
      const id = response.header('x-ms-request-id');
      await eventually(async () => (await logLines()).some((line) => line.requestId === id));
      return (await logLines()).find((line) => line.requestId === id);
    };
    const cookie = await sealedCookie(t, principal);
    const page = await lineOf(await t.get(shop, '/', { headers: { cookie } }));
    const me = await t.get(shop, '/.auth/me', { headers: { cookie } });
    expect(me.json()).toMatchObject({ clientPrincipal: { userId: principal.userId } });
    const api = await lineOf(await t.get(shop, '/api/setting/PATH', { headers: { cookie } }));
    expect(page?.userHash).toMatch(/^[0-9a-f]{32}$/);
    expect((await lineOf(me))?.userHash).toBe(page?.userHash);
    expect(api?.userHash).toBe(page?.userHash);

    const expired = await sealedCookie(t, principal, Math.floor(Date.now() / 1000) - 60);
    const late = await lineOf(await t.get(shop, '/', { headers: { cookie: expired } }));
    expect(late).toMatchObject({ path: '/', status: 200 });
    expect(late).not.toHaveProperty('userHash');

    // The sign-out itself was made by the user; the cookie names nobody after it.
    const signOut = await lineOf(await t.get(shop, '/.auth/logout', { headers: { cookie } }));
    expect(signOut).toMatchObject({ path: '/.auth/logout', status: 302, userHash: page?.userHash });
    const after = await t.get(shop, '/.auth/me', { headers: { cookie } });
    expect(after.json()).toEqual({ clientPrincipal: null });
    expect(await lineOf(after)).not.toHaveProperty('userHash');
    expect(await lineOf(await t.get(shop, '/', { headers: { cookie } }))).not.toHaveProperty('userHash');
  });

  it('keeps writing after the file is moved away and the log reopened (SIGHUP), to a file only its owner reads', async () => {
    expect((await stat(logFile)).mode & 0o777).toBe(0o600);
    await rename(logFile, `${logFile}.1`);
    t.service.reopenLogs();
    const response = await t.get(shop, '/');
    const id = response.header('x-ms-request-id');
    await eventually(async () => (await logLines()).some((line) => line.requestId === id));
    const rotated = await readFile(`${logFile}.1`, 'utf8');
    expect(rotated).not.toContain(String(id));
    expect((await stat(logFile)).mode & 0o777).toBe(0o600);
  });

  it("drops a deleted environment's series, then a deleted site's, and keeps the others'", async () => {
    const created = await t.admin('PUT', `${SITES_PATH}/gone`, { sku: { name: 'Standard' } });
    const { defaultHostname, apiKey } = created.json<{
      properties: { defaultHostname: string; apiKey: string };
    }>().properties;
    const app = await writeApp({ 'index.html': '<h1>gone</h1>' });
    for (const environment of ['production', 'pr7']) {
      expect((await deployFolders(t.service, apiKey, app, { environment })).status).toBe(200);
    }
    expect((await t.get(defaultHostname, '/')).status).toBe(200);
    expect((await t.get(defaultHostname.replace('.', '-pr7.'), '/')).status).toBe(200);
    expect((await t.get(shop, '/')).status).toBe(200);
    const labelled = async (labels: Record<string, string>) =>
      (await scrape()).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect((await labelled({ site: 'gone', environment: 'pr7' })).length).toBeGreaterThan(0);
    expect((await labelled({ site: 'gone', environment: 'production' })).length).toBeGreaterThan(0);

    expect((await t.admin('DELETE', `${SITES_PATH}/gone/builds/pr7`)).status).toBe(200);
    await eventually(async () => (await labelled({ site: 'gone', environment: 'pr7' })).length === 0);
    expect((await labelled({ site: 'gone', environment: 'production' })).length).toBeGreaterThan(0);

    expect((await t.admin('DELETE', `${SITES_PATH}/gone`)).status).toBeLessThan(300);
    await eventually(async () => (await labelled({ site: 'gone' })).length === 0);
    expect((await labelled({ site: 'shop', environment: 'production' })).length).toBeGreaterThan(0);
  });
});

/** A session cookie of the site `shop`, sealed by the service; `expiresAt` in seconds (default: in an hour). */
async function sealedCookie(
  t: TestService,
  principal: Record<string, unknown>,
  expiresAt = Math.floor(Date.now() / 1000) + 3600,
): Promise<string> {
  const row = await t.service.control.db
    .selectFrom('sites')
    .select('id')
    .where('name', '=', 'shop')
    .executeTakeFirstOrThrow();
  const value = t.service.control.sealSession?.(row.id, principal as never, expiresAt);
  return `StaticWebAppsAuthCookie=${value}`;
}

describe('portico serve --access-log on a path it cannot write', () => {
  it('refuses to start, naming the file and what to give instead', async () => {
    const dir = await writeApp({ 'not-a-folder': 'x' });
    await expect(startTestService({ accessLog: `${dir}/not-a-folder/access.log` })).rejects.toMatchObject({
      code: 'SERVE_ACCESS_LOG_UNWRITABLE',
      message: expect.stringMatching(
        /Cannot open the access log .*not-a-folder\/access\.log.*writable file, or -/,
      ),
    });
  });

  it(
    'exits 1 with that message alone: no crash from the log stream on the way out',
    async () => {
      const dir = await writeApp({ 'not-a-folder': 'x' });
      const run = await runCli(
        [
          'serve',
          '--data',
          `${dir}/data`,
          '--port',
          '0',
          '--admin-port',
          '0',
          '--access-log',
          `${dir}/not-a-folder/access.log`,
        ],
        undefined,
        { env: { ...process.env, PORTICO_ADMIN_TOKEN: 'access-log-test-token' } },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/Cannot open the access log .*not-a-folder\/access\.log/);
      expect(run.stderr).not.toMatch(/sonic boom|at SonicBoom|Node\.js v/);
    },
    CLI_RUNS_TIMEOUT.one,
  );
});
