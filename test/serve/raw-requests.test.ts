/**
 * `portico serve` over raw sockets: a raw `\` in an `/api` path no longer dodges the role rules of a site
 * whose managed functions read it as `/` (refused with 400), and a client that stops sending its request
 * body gets 408 with a log line saying so, for managed functions and a linked backend alike, with the
 * site and environment first (decision 0118). Real service, real sandbox, a deployed API, a real backend.
 * @see tester report "proto-sec" items 1 and 3
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/edge/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { eventually } from '../helpers/app.js';
import { type RawAnswer, sendRaw } from '../helpers/raw-http.js';
import {
  createDeployedSite,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const API_FIXTURE = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));
const WEB = `${PROVIDERS_PATH}/Microsoft.Web/sites`;
const IDLE_MS = 300;

const FUNCTIONS = `const { app } = require('@azure/functions');
app.http('priv', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'priv/{x}',
  handler: async (request) => ({ jsonBody: { url: request.url } }),
});
// A catch-all that routes by request.url itself, as an app framework (Hono, Express) inside one does.
app.http('all', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: '{*rest}',
  handler: async (request) => ({ jsonBody: { url: request.url } }),
});
app.http('stall', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'stall',
  handler: async (request) => ({ body: 'read ' + (await request.text()).length }),
});
`;

const CONFIG = { routes: [{ route: '/api/priv/*', allowedRoles: ['admin'] }] };

describe('portico serve: raw requests to /api', () => {
  let t: TestService;
  let apiDir: string;
  let managedHost: string;
  let linkedHost: string;
  let backend: Server;
  const cut: string[] = [];
  const lines: string[] = [];

  const raw = (host: string, head: string, body = ''): Promise<RawAnswer> =>
    sendRaw(t.service.url, `${head}\r\nHost: ${host}:${t.service.port}\r\n${body}`);

  beforeAll(async () => {
    apiDir = join(SCRATCH, `serve-raw-requests-${process.pid}`);
    await mkdir(SCRATCH, { recursive: true });
    await cp(API_FIXTURE, apiDir, { recursive: true });
    await writeFile(join(apiDir, 'src', 'functions', 'raw.js'), FUNCTIONS);
    backend = createServer((req, res) => {
      req.on('close', () => req.complete || cut.push(req.url ?? ''));
      req.resume();
      req.on('end', () => res.end('linked'));
    });
    const backendPort = await listen(backend, 0, '127.0.0.1');
    t = await startTestService({
      logger: createLogger({ write: (line) => lines.push(line) }),
      extra: { clientBodyIdleMs: IDLE_MS },
    });
    managedHost = await createDeployedSite(t, 'managed', {
      files: { 'index.html': 'm' },
      config: CONFIG,
      apiDir,
    });
    linkedHost = await createDeployedSite(t, 'linked', { files: { 'index.html': 'l' } });
    const app = { kind: 'app', properties: { backendUrl: `http://127.0.0.1:${backendPort}` } };
    expect((await t.admin('PUT', `${WEB}/stallable`, app)).status).toBe(201);
    const link = await t.admin('PUT', `${SITES_PATH}/linked/linkedBackends/stallable`, {
      properties: { backendResourceId: `${WEB}/stallable`, backendType: 'webapp' },
    });
    expect(link.status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await closeServer(backend);
    await removeData(t.dataDir);
    await rm(apiDir, { recursive: true, force: true });
  });

  it('refuses a raw "\\" in an /api path, which the functions would read as "/" past the role rule', async () => {
    // Before: 200, and the function read `/api/priv/x`, a path the rule guards.
    const dodge = await raw(managedHost, 'GET /api/priv\\x HTTP/1.1', 'Connection: close\r\n\r\n');
    expect(dodge.body).not.toContain('/api/priv/x');
    expect(dodge.status).toBe(400);
    expect((await raw(managedHost, 'GET /api/priv/x HTTP/1.1', 'Connection: close\r\n\r\n')).status).toBe(
      401,
    );
    // An encoded one is a character of the segment for the rule and for the functions alike: no rule
    // path, and the function reads it still encoded, never as `/api/priv/x`.
    const encoded = await raw(managedHost, 'GET /api/priv%5Cx HTTP/1.1', 'Connection: close\r\n\r\n');
    expect(encoded.status).toBe(200);
    expect(encoded.body).toContain('/api/priv%5Cx');
  }, 60_000);

  it('answers 408 to a stalled body for managed functions, and logs it with the site first', async () => {
    const head = 'POST /api/stall HTTP/1.1';
    const answer = await raw(managedHost, head, 'Content-Length: 1000\r\n\r\nabc');
    expect(answer.status).toBe(408);
    expect(lines).toContain(
      `warning: api managed/production: /api POST /api/stall: The client stopped sending its request body: nothing more of it arrived within ${IDLE_MS} ms.`,
    );
    // A whole body still reaches the function.
    const whole = await raw(managedHost, head, 'Content-Length: 3\r\nConnection: close\r\n\r\nabc');
    expect(whole.status).toBe(200);
    expect(whole.body).toContain('read 3');
  }, 60_000);

  it('answers 408 to a stalled body for a linked backend, which is let go at once', async () => {
    const answer = await raw(linkedHost, 'POST /api/stall HTTP/1.1', 'Content-Length: 1000\r\n\r\nabc');
    expect(answer.status).toBe(408);
    expect(lines).toContain(
      `warning: api linked/production: /api POST /api/stall: The client stopped sending its request body: nothing more of it arrived within ${IDLE_MS} ms.`,
    );
    await eventually(async () => cut.includes('/api/stall'));
  }, 60_000);
});
