/**
 * Dev-server mode (`portico start <url>`, CONTRACT §2) over real sockets: the config's rules applied to
 * a dev server's answers, bodies and streams passed through, WebSockets carried (and refused on /api),
 * both loopback families for `localhost`, a self-signed https dev server, and a dev server that is down.
 */
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { type ClientRequest, createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { authCookie, eventually } from '../helpers/app.js';
import {
  type DevModeApp,
  type FixtureDevServer,
  findFreePort,
  startDevMode,
  startFixtureDevServer,
} from '../helpers/devserver.js';

const HTML = { accept: 'text/html,application/xhtml+xml' };

const CONFIG = {
  routes: [
    { route: '/admin/*', allowedRoles: ['admin'] },
    { route: '/members', allowedRoles: ['authenticated'] },
    { route: '/old', redirect: '/new', statusCode: 301 },
    { route: '/alias', rewrite: '/about/index.html' },
    { route: '/blocked', statusCode: 404 },
    { route: '/src/*', headers: { 'x-route': 'module', 'x-global': '' } },
    { route: '/ws-protected', allowedRoles: ['authenticated'] },
  ],
  navigationFallback: { rewrite: '/index.html', exclude: ['/images/*', '/src/*', '*.custom2'] },
  responseOverrides: { '401': { rewrite: '/login.html' }, '404': { rewrite: '/custom-404.html' } },
  globalHeaders: { 'x-global': 'on' },
  mimeTypes: { '.custom': 'text/x-custom' },
  trailingSlash: 'always',
};

describe('dev-server mode: the rules over a dev server', () => {
  let dev: FixtureDevServer;
  let app: DevModeApp;
  beforeAll(async () => {
    dev = await startFixtureDevServer();
    app = await startDevMode(dev.url, CONFIG);
  });
  afterAll(async () => {
    await app?.close();
    await dev?.close();
  });

  it("serves the dev server's pages and modules with globalHeaders, route headers winning", async () => {
    const page = await app.fetch('/', { headers: HTML });
    expect(page.status).toBe(200);
    expect(page.text).toBe('<h1>home</h1>');
    expect(page.header('x-dev')).toBe('yes');
    expect(page.header('x-global')).toBe('on');
    const module = await app.fetch('/src/main.js');
    expect(module.text).toContain('/src/main.js');
    expect(module.header('x-route')).toBe('module');
    expect(module.header('x-global')).toBeUndefined();
  });

  it('sends the dev server its own Host and the original one as x-forwarded-host', async () => {
    const echo = (await app.fetch('/echo')).json<{ host: string; forwardedHost: string }>();
    expect(echo.host).toBe(new URL(dev.url).host);
    expect(echo.forwardedHost).toBe(new URL(app.url).host);
  });

  it('routes and roles: 401 through the override page from the dev server, 403, 200 when signed in', async () => {
    const anonymous = await app.fetch('/members', { headers: HTML });
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).toBe('<h1>please sign in</h1>');
    const signedIn = { ...HTML, cookie: authCookie({}) };
    expect((await app.fetch('/admin/panel', { headers: signedIn })).status).toBe(403);
    const admin = { ...HTML, cookie: authCookie({ userRoles: ['admin'] }) };
    const allowed = await app.fetch('/admin/panel/', { headers: admin });
    expect(allowed.status).toBe(200);
    expect(allowed.text).toBe('<h1>home</h1>');
  });

  it('redirects, rewrites (fetched from the dev server) and route status codes', async () => {
    const moved = await app.fetch('/old');
    expect(moved.status).toBe(301);
    expect(moved.header('location')).toBe(`${app.url}/new`);
    const alias = await app.fetch('/alias?x=1');
    expect(alias.status).toBe(200);
    expect(alias.text).toBe('<h1>about</h1>');
    expect(dev.requests.some((r) => r.url === '/about/index.html?x=1')).toBe(true);
    const blocked = await app.fetch('/blocked');
    expect(blocked.status).toBe(404);
    expect(blocked.text).toBe('<h1>custom not found</h1>');
  });

  it("moves the dev server's redirects to its own address onto Portico's, so the browser stays on Portico", async () => {
    const moved = await app.fetch('/redirect-self');
    expect(moved.status).toBe(302);
    expect(moved.header('location')).toBe(`${app.url}/about/index.html?from=dev`);
  });

  it('navigationFallback serves the fallback when the dev server answers 404; excluded paths get the 404 override', async () => {
    const deep = await app.fetch('/products/42/', { headers: HTML });
    expect(deep.status).toBe(200);
    expect(deep.text).toBe('<h1>home</h1>');
    const excluded = await app.fetch('/images/missing.png');
    expect(excluded.status).toBe(404);
    expect(excluded.text).toBe('<h1>custom not found</h1>');
  });

  it('mimeTypes apply where the dev server sends no Content-Type, or an empty one', async () => {
    const data = await app.fetch('/data.custom');
    expect(data.text).toBe('custom data');
    expect(data.header('content-type')).toBe('text/x-custom');
    expect((await app.fetch('/empty-type.custom')).header('content-type')).toBe('text/x-custom');
  });

  it('never serves the config file, at any depth, though the dev server would', async () => {
    for (const path of ['/staticwebapp.config.json', '/nested/staticwebapp.config.json']) {
      const answer = await app.fetch(path);
      expect(answer.status, path).toBe(404);
      expect(answer.text, path).not.toContain('routes');
    }
  });

  it('trailingSlash redirects page requests by the path shape, never module requests', async () => {
    const page = await app.fetch('/about?tab=1', { headers: HTML });
    expect(page.status).toBe(301);
    expect(page.header('location')).toBe(`${app.url}/about/?tab=1`);
    expect((await app.fetch('/about/index.html', { headers: HTML })).header('location')).toBe(
      `${app.url}/about/`,
    );
    const client = await app.fetch('/@vite/client', { headers: { accept: '*/*' } });
    expect(client.status).toBe(200);
  });

  it('passes request bodies (form POSTs to SSR dev servers) and the signed-in principal through', async () => {
    const answer = await app.fetch('/echo?q=1', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: authCookie({}) },
      body: 'name=portico&n=1',
    });
    const echo = answer.json<{ method: string; url: string; body: string; principal: string | null }>();
    expect(echo).toMatchObject({ method: 'POST', url: '/echo?q=1', body: 'name=portico&n=1' });
    expect(JSON.parse(Buffer.from(echo.principal ?? '', 'base64').toString())).toMatchObject({
      userDetails: 'alice',
    });
  });

  it('relays an event stream unbuffered: the first event arrives while the dev server holds the second', async () => {
    const answer = await request(`${app.url}/events`);
    expect(answer.headers['content-type']).toBe('text/event-stream');
    const reader = answer.body[Symbol.asyncIterator]();
    const first = await reader.next();
    expect(String(first.value)).toBe('data: first\n\n');
    dev.releaseEvents();
    let rest = '';
    for (let next = await reader.next(); !next.done; next = await reader.next()) {
      rest += String(next.value);
    }
    expect(rest).toBe('data: second\n\n');
  });

  it('cuts the response when the dev server breaks mid-body, and keeps serving', async () => {
    // Cut before Portico relayed the head: a 502 page; after: a cut response. Never a hang or a crash.
    const outcome = await app.fetch('/broken').then(
      (answer) => answer.status,
      () => 'cut',
    );
    expect([502, 'cut']).toContain(outcome);
    expect((await app.fetch('/', { headers: HTML })).status).toBe(200);
  });

  it('carries WebSockets to the dev server', async () => {
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}/ws?token=abc`, 'vite-hmr');
    await once(ws, 'open');
    expect(ws.protocol).toBe('vite-hmr');
    ws.send('hello');
    const [message] = await once(ws, 'message');
    expect(String(message)).toBe('echo: hello');
    ws.close();
    await once(ws, 'close');
  });

  it("sends the dev server its own origin for Portico's (HTTP and WebSocket), so a dev server that checks Origin (Next.js 16 hot reload) accepts", async () => {
    // @see Next.js 16 `Blocked cross-origin request to Next.js dev resource /_next/hmr from "127.0.0.1"`
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}/_next/hmr?id=1`, { origin: app.url });
    ws.on('error', () => {});
    const [message] = await once(ws, 'message');
    expect(String(message)).toBe('hmr connected');
    ws.close();
    const own = (await app.fetch('/echo', { headers: { origin: app.url } })).json<{ origin: string }>();
    expect(own.origin).toBe(dev.url);
    const other = await app.fetch('/echo', { headers: { origin: 'http://elsewhere.test' } });
    expect(other.json<{ origin: string }>().origin).toBe('http://elsewhere.test');
  });

  it('explains a WebSocket the dev server refuses without HTTP: a 502 and a warning naming what it answered', async () => {
    const refused = await refusedUpgrade(`${app.url}/_next/hmr?id=2`, { origin: 'http://elsewhere.test' });
    expect(refused.status).toBe(502);
    expect(refused.body).toContain(
      `The dev server at ${dev.url} refused the WebSocket: it answered "Unauthorized"`,
    );
    const warning = app.logs.find((line) => line.includes('WebSocket /_next/hmr:'));
    expect(warning).toContain(
      `the dev server at ${dev.url} refused the WebSocket: it answered "Unauthorized"`,
    );
    expect(warning).not.toContain('HPE_');
    expect(warning).not.toContain('id=2');
  });

  it('gives WebSocket handshakes the header rules of HTTP: forged principal and forwarded fields replaced', async () => {
    const forged = {
      'x-ms-client-principal': 'forged',
      'x-forwarded-host': 'evil.test',
      'x-ms-original-url': 'x',
    };
    const anonymous = new WebSocket(`${app.url.replace('http', 'ws')}/ws?case=anonymous`, {
      headers: forged,
    });
    await once(anonymous, 'open');
    anonymous.close();
    const seen = dev.requests.find((r) => r.method === 'UPGRADE' && r.url === '/ws?case=anonymous');
    expect(seen?.headers['x-ms-client-principal']).toBeUndefined();
    expect(seen?.headers['x-forwarded-host']).toBe(new URL(app.url).host);
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-ms-original-url']).toBe(`${app.url}/ws?case=anonymous`);
    expect(seen?.headers.host).toBe(new URL(dev.url).host);
    const signedIn = new WebSocket(`${app.url.replace('http', 'ws')}/ws?case=signed-in`, {
      headers: { ...forged, cookie: authCookie({}) },
    });
    await once(signedIn, 'open');
    signedIn.close();
    const principal = dev.requests.find((r) => r.url === '/ws?case=signed-in')?.headers[
      'x-ms-client-principal'
    ];
    expect(JSON.parse(Buffer.from(String(principal), 'base64').toString())).toMatchObject({
      userDetails: 'alice',
    });
  });

  it('refuses WebSockets on /api (501) and applies allowedRoles to them (401)', async () => {
    expect(await upgradeStatus(`${app.url}/api/ws`)).toBe(501);
    expect(await upgradeStatus(`${app.url}/.auth/ws`)).toBe(501);
    expect(await upgradeStatus(`${app.url}/ws-protected`)).toBe(401);
  });

  it('answers a handshake with an ambiguous host at step 0, as an HTTP request (400), without the dev server', async () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const handshake = (hosts: string) =>
      `GET /ws HTTP/1.1\r\n${hosts}Upgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const twice = await firstAnswer(app.url, handshake('Host: localhost\r\nHost: evil.example\r\n'));
    expect(twice.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(twice.text).toContain('more than one Host field');
    const badPort = await firstAnswer(app.url, handshake('Host: localhost:99999\r\n'));
    expect(badPort.statusLine).toBe('HTTP/1.1 400 Bad Request');
    // The same handshake with one usable Host is carried.
    const one = await firstAnswer(app.url, handshake('Host: localhost\r\n'));
    expect(one.statusLine).toBe('HTTP/1.1 101 Switching Protocols');
  });

  it('survives a dev server that refuses or resets a WebSocket', async () => {
    expect(await upgradeStatus(`${app.url}/not-a-socket`)).toBe(404);
    const reset = new WebSocket(`${app.url.replace('http', 'ws')}/ws-reset`);
    const [error] = await once(reset, 'error');
    expect(error).toBeInstanceOf(Error);
    expect((await app.fetch('/', { headers: HTML })).status).toBe(200);
  });
});

describe('dev-server mode: config edits', () => {
  it('applies an edited config without a restart, and fails closed while it is broken', async () => {
    const dev = await startFixtureDevServer();
    const app = await startDevMode(dev.url, {});
    try {
      expect((await app.fetch('/members')).status).toBe(404);
      const config = { routes: [{ route: '/members', allowedRoles: ['authenticated'] }] };
      await writeFile(join(app.dir, 'staticwebapp.config.json'), JSON.stringify(config));
      await eventually(async () => (await app.fetch('/members')).status === 401);
      await writeFile(join(app.dir, 'staticwebapp.config.json'), '{ "routes": [');
      await eventually(async () => (await app.fetch('/')).status === 500);
    } finally {
      await app.close();
      await dev.close();
    }
  });
});

describe('dev-server mode: a fallback page the dev server does not have', () => {
  it("relays the dev server's own 404 for the path (as the SWA CLI does), with the header rules, when no 404 override is set", async () => {
    // SvelteKit and Nuxt render every route themselves: their dev servers have no /index.html.
    const dev = await startFixtureDevServer();
    const app = await startDevMode(dev.url, {
      navigationFallback: { rewrite: '/spa-shell.html' },
      globalHeaders: { 'x-global': 'on' },
    });
    try {
      const missing = await app.fetch('/nowhere/deep', { headers: HTML });
      expect(missing.status).toBe(404);
      expect(missing.text).toBe('fixture 404');
      expect(missing.header('x-global')).toBe('on');
      expect(dev.requests.map((request) => request.url)).toEqual(
        expect.arrayContaining(['/nowhere/deep', '/spa-shell.html']),
      );
    } finally {
      await app.close();
      await dev.close();
    }
  });
});

describe('dev-server mode: reaching the dev server', () => {
  it.each(['::1', '127.0.0.1'])('reaches a dev server on %s through http://localhost', async (address) => {
    const dev = await startFixtureDevServer({ address });
    const app = await startDevMode(dev.url, {});
    try {
      const page = await app.fetch('/');
      expect(page.status).toBe(200);
      expect(page.text).toBe('<h1>home</h1>');
      const ws = new WebSocket(`${app.url.replace('http', 'ws')}/ws`);
      await once(ws, 'open');
      ws.close();
    } finally {
      await app.close();
      await dev.close();
    }
  });

  it('accepts the self-signed certificate of an https dev server', async () => {
    const dev = await startFixtureDevServer({ https: true });
    const app = await startDevMode(dev.url, {});
    try {
      expect((await app.fetch('/')).text).toBe('<h1>home</h1>');
      const ws = new WebSocket(`${app.url.replace('http', 'ws')}/ws`);
      await once(ws, 'open');
      ws.send('tls');
      expect(String((await once(ws, 'message'))[0])).toBe('echo: tls');
      ws.close();
    } finally {
      await app.close();
      await dev.close();
    }
  });

  it('answers 502 with a page naming the dev server URL when it is down, and recovers when it is up', async () => {
    const port = await findFreePort();
    const url = `http://localhost:${port}`;
    const app = await startDevMode(url, {});
    const server = createServer((_req, res) => res.end('back'));
    try {
      const html = await app.fetch('/', { headers: HTML });
      expect(html.status).toBe(502);
      expect(html.header('content-type')).toContain('text/html');
      expect(html.text).toContain(url);
      const text = await app.fetch('/src/main.js');
      expect(text.status).toBe(502);
      expect(text.text).toContain(`dev server at ${url}`);
      expect(text.text).toContain('--run');
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      expect((await app.fetch('/')).text).toBe('back');
    } finally {
      await app.close();
      server.close();
    }
  });

  it('serves /api from its own backend while pages come from the dev server', async () => {
    const dev = await startFixtureDevServer();
    const api = createServer((req, res) => res.end(`api ${req.url}`));
    api.listen(0, '127.0.0.1');
    await once(api, 'listening');
    const address = api.address();
    const apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const app = await startDevMode(dev.url, {}, { apiDevserverUrl: apiUrl });
    try {
      expect((await app.fetch('/api/hello')).text).toBe('api /api/hello');
      expect(dev.requests.some((r) => r.url.startsWith('/api'))).toBe(false);
    } finally {
      await app.close();
      await dev.close();
      api.close();
    }
  });
});

/** The status and body of the answer to a WebSocket handshake that is not accepted. */
async function refusedUpgrade(url: string, options: { origin?: string } = {}) {
  const ws = new WebSocket(url.replace('http', 'ws'), options);
  ws.on('error', () => {});
  const [, res] = (await once(ws, 'unexpected-response')) as [ClientRequest, IncomingMessage];
  let body = '';
  for await (const chunk of res) {
    body += String(chunk);
  }
  return { status: res.statusCode ?? 0, body };
}

/**
 * The status line of the answer to raw handshake bytes and what came with it, read until the head ends;
 * the socket is then closed, so a handshake that is accepted does not keep the test waiting.
 */
function firstAnswer(url: string, bytes: string): Promise<{ statusLine: string; text: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.write(bytes, 'latin1'));
    const done = () => {
      socket.destroy();
      resolve({ statusLine: text.split('\r\n')[0] ?? '', text });
    };
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0);
      if (split !== -1 && text.length >= split + 4 + length) {
        done();
      }
    });
    socket.on('close', done);
    socket.on('error', reject);
  });
}

/** The status line of the answer to a WebSocket handshake that is not accepted. */
async function upgradeStatus(url: string): Promise<number> {
  const ws = new WebSocket(url.replace('http', 'ws'));
  ws.on('error', () => {});
  const [req, res] = (await once(ws, 'unexpected-response')) as [ClientRequest, IncomingMessage];
  req.destroy();
  return res.statusCode ?? 0;
}
