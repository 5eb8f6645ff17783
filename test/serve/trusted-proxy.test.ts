/**
 * `portico serve` behind a TLS-terminating reverse proxy (`--trusted-proxy`, `--public-https`,
 * `--public-port`): a small proxy on loopback does what nginx does (`proxy_set_header Host $proxy_host`,
 * `X-Forwarded-For $proxy_add_x_forwarded_for`, `X-Forwarded-Proto https`, `X-Forwarded-Host $host`,
 * `X-Forwarded-Port 43443`) from 127.0.0.2, the one address the service trusts. Through it, redirects,
 * the 401 override, `/api`, the sign-in callback and cookies use the public `https://…:43443`; the access
 * log and the backend get the client's address. A client that sends the same fields straight to the
 * service changes nothing. Real sockets, real SQLite, a real backend on loopback.
 * @see docs/decisions/0085-trusted-reverse-proxies.md
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import {
  ADMIN_TOKEN,
  createDeployedSite,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const PROXY_ADDRESS = '127.0.0.2';
const PUBLIC_PORT = 43443;
const WEB = `${PROVIDERS_PATH}/Microsoft.Web/sites`;

/** Headers a client might make up to fool the service. */
const SPOOFED = {
  'x-forwarded-for': '6.6.6.6',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'evil.test',
  'x-forwarded-port': '8443',
};

/** A reverse proxy in the manner of nginx, connecting to the service from {@link PROXY_ADDRESS}. */
async function startProxy(upstreamPort: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const prior = req.headers['x-forwarded-for'];
    const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const headers = {
      ...req.headers,
      host: `127.0.0.1:${upstreamPort}`,
      'x-forwarded-for': prior === undefined ? client : `${prior}, ${client}`,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': (req.headers.host ?? '').replace(/:\d+$/, ''),
      'x-forwarded-port': String(PUBLIC_PORT),
    };
    const upstream = request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        localAddress: PROXY_ADDRESS,
        method: req.method,
        path: req.url,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface AccessLine {
  readonly path: string;
  readonly client: string;
  readonly host: string;
}

/** The last access-log line for `path`, once it is written (lines are gathered for up to 100 ms). */
async function accessLineOf(file: string, path: string): Promise<AccessLine> {
  let found: AccessLine | undefined;
  await eventually(async () => {
    const text = await readFile(file, 'utf8').catch(() => '');
    const lines = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as AccessLine);
    found = lines.filter((line) => line.path === path).at(-1);
    return found !== undefined;
  });
  return found as AccessLine;
}

describe('portico serve behind a trusted reverse proxy', () => {
  let t: TestService;
  let backend: Backend;
  let proxy: { url: string; close(): Promise<void> };
  let host: string;
  let accessLog: string;
  let logDir = '';

  /** A request through the proxy, for `path` on the site. */
  const viaProxy = (path: string, headers: Record<string, string> = {}) =>
    send(`${proxy.url}${path}`, { headers: { ...headers, host } });
  /** A request straight to the service, as an untrusted client. */
  const direct = (path: string, headers: Record<string, string> = {}) => t.get(host, path, { headers });

  beforeAll(async () => {
    backend = await startBackend();
    logDir = await mkdtemp(join(tmpdir(), 'portico-proxy-log-'));
    accessLog = join(logDir, 'access.log');
    t = await startTestService({
      providers: { github: { clientId: 'portico-github', clientSecret: 'secret' }, githubUrl: backend.url },
      extra: { trustedProxies: [PROXY_ADDRESS], publicOrigin: { protocol: 'https', port: PUBLIC_PORT } },
      accessLog,
    });
    host = await createDeployedSite(t, 'shop', {
      files: { 'index.html': '<h1>shop</h1>', 'new.html': 'new' },
      config: {
        routes: [
          { route: '/old', redirect: '/new', statusCode: 301 },
          { route: '/members/*', allowedRoles: ['authenticated'] },
        ],
        responseOverrides: { '401': { redirect: '/.auth/login/github', statusCode: 302 } },
      },
    });
    expect(
      (await t.admin('PUT', `${WEB}/orders`, { kind: 'app', properties: { backendUrl: backend.url } }))
        .status,
    ).toBe(201);
    const linked = await t.admin('PUT', `${SITES_PATH}/shop/linkedBackends/orders`, {
      properties: { backendResourceId: `${WEB}/orders`, backendType: 'webapp' },
    });
    expect(linked.status).toBe(200);
    proxy = await startProxy(t.service.port);
  }, 120_000);

  afterAll(async () => {
    await proxy?.close();
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
    await removeData(logDir);
  });

  it('builds redirects and the 401 override on the public https origin the proxy reports', async () => {
    const moved = await viaProxy('/old');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe(`https://${host}:${PUBLIC_PORT}/new`);
    const denied = await viaProxy('/members/page');
    expect(denied.status).toBe(302);
    expect(denied.headers.location).toMatch(
      new RegExp(`^https://${host}:${PUBLIC_PORT}/\\.auth/login/github`),
    );
  });

  it('gives /api the public scheme and host, and the client (not what it made up) last in X-Forwarded-For', async () => {
    const response = await viaProxy('/api/orders', {
      ...SPOOFED,
      'cf-connecting-ip': '6.6.6.6',
      'x-portico-link-proof': 'replayed',
    });
    expect(response.status).toBe(200);
    const seen = backend.requests.at(-1) as EchoRequest;
    expect(seen.headers['cf-connecting-ip']).toBeUndefined();
    expect(seen.headers['x-portico-link-proof']).toBeUndefined();
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(seen.headers['x-forwarded-host']).toBe(`${host}:${PUBLIC_PORT}`);
    expect(seen.headers['x-forwarded-for']).toBe('6.6.6.6, 127.0.0.1');
    expect(seen.headers['x-ms-original-url']).toBe(`https://${host}:${PUBLIC_PORT}/api/orders`);
    expect((await accessLineOf(accessLog, '/api/orders')).client).toBe('127.0.0.1');
  });

  it('starts sign-in with a Secure flow cookie and the public callback URL', async () => {
    const started = await viaProxy('/.auth/login/github');
    expect(started.status).toBe(302);
    const authorize = new URL(String(started.headers.location));
    expect(authorize.searchParams.get('redirect_uri')).toBe(
      `https://identity.portico.test:${PUBLIC_PORT}/.auth/login/github/callback`,
    );
    expect(String(started.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('ignores every X-Forwarded-* field of a client that is not a trusted proxy', async () => {
    const port = t.service.port;
    const moved = await direct('/old', SPOOFED);
    expect(moved.headers.location).toBe(`http://${host}:${port}/new`);
    expect((await direct('/api/direct', SPOOFED)).status).toBe(200);
    const seen = backend.requests.at(-1) as EchoRequest;
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe(`${host}:${port}`);
    expect(seen.headers['x-forwarded-for']).toBe('6.6.6.6, 127.0.0.1');
    const started = await direct('/.auth/login/github', SPOOFED);
    expect(String(started.headers['set-cookie'])).not.toMatch(/; Secure/);
    expect((await accessLineOf(accessLog, '/api/direct')).host).toBe(`${host}:${port}`);
  });

  it("builds the admin API's nextLink on the scheme and host a trusted proxy reports, and only it", async () => {
    // An Azure SDK on https://admin.example.com through a TLS proxy must get an https:// page 2: Azure's
    // core refuses to send a bearer token over http://.
    const apim = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/paging`;
    expect((await t.admin('PUT', apim, {})).status).toBe(201);
    for (const product of ['p1', 'p2']) {
      const created = await t.admin('PUT', `${apim}/products/${product}`, {
        properties: { displayName: product },
      });
      expect(created.status).toBeLessThan(300);
    }
    const listPath = `${apim}/products?api-version=2022-08-01&$top=1`;
    const forwarded = {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'admin.example.com',
      'x-forwarded-for': '6.6.6.6',
    };
    const nextLinkFrom = async (localAddress: string) => {
      const page = await send(`${t.service.adminUrl}${listPath}`, { headers: forwarded, localAddress });
      expect(page.status).toBe(200);
      return page.json<{ nextLink?: string }>().nextLink;
    };
    expect(await nextLinkFrom(PROXY_ADDRESS)).toBe(
      `https://admin.example.com${apim}/products?api-version=2022-08-01&$top=1&$skip=1`,
    );
    const withPort = await send(`${t.service.adminUrl}${listPath}`, {
      headers: { ...forwarded, 'x-forwarded-port': '8443' },
      localAddress: PROXY_ADDRESS,
    });
    expect(withPort.json<{ nextLink?: string }>().nextLink).toMatch(/^https:\/\/admin\.example\.com:8443\//);
    // Anyone else's fields change nothing: the link names the admin address the request came to.
    expect(await nextLinkFrom('127.0.0.1')).toBe(
      `${t.service.adminUrl}${apim}/products?api-version=2022-08-01&$top=1&$skip=1`,
    );
  });

  it('never lets a forwarded host choose a host the service does not serve', async () => {
    const unknown = await send(`${proxy.url}/`, { headers: { host: 'other-tenant.evil.test' } });
    expect(unknown.status).toBe(404);
    expect(unknown.text).not.toContain('<h1>shop</h1>');
  });
});

describe('portico serve --trusted-proxy wider than a private network', () => {
  it('warns at start that every client in it can set its own forwarded fields, naming only the wide blocks', async () => {
    const t = await startTestService({ extra: { trustedProxies: ['10.0.0.0/8', '0.0.0.0/0', 'fd00::/8'] } });
    try {
      const wide = t.service.warnings.filter((warning) => warning.startsWith('--trusted-proxy'));
      expect(wide).toHaveLength(1);
      expect(wide[0]).toContain('--trusted-proxy 0.0.0.0/0 trusts clients anywhere');
      expect(wide[0]).not.toContain('10.0.0.0/8,');
      expect(wide[0]).not.toContain('fd00::/8');
    } finally {
      await t.close();
      await removeData(t.dataDir);
    }
  });
});

describe('portico serve --public-port 443 without --public-https', () => {
  it('warns at start that 443 is HTTPS’s port and --public-https is probably missing', async () => {
    const t = await startTestService({ extra: { publicOrigin: { protocol: 'http', port: 443 } } });
    try {
      const warnings = t.service.warnings.filter((warning) => warning.startsWith('--public-port 443'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('Add --public-https');
    } finally {
      await t.close();
      await removeData(t.dataDir);
    }
  });
});
