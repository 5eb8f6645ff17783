/**
 * `portico start` answers a browser only for localhost, IP addresses, `--host` and `--allowed-host` names:
 * any other Host gets a 403 that names it and says how to allow it, on pages, `/api` and WebSockets alike,
 * so a web page cannot reach the app through DNS rebinding (decision 0093). Scripts (no `Sec-Fetch-*`)
 * are served whatever their Host.
 */

/** The fetch metadata every current browser sends, which a page's script cannot remove. */
const BROWSER = {
  'sec-fetch-site': 'same-origin',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
};

import { once } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { isAllowedHost } from '../../src/edge/host-check.js';
import { startApp, type TestApp } from '../helpers/app.js';
import {
  type DevModeApp,
  type FixtureDevServer,
  startDevMode,
  startFixtureDevServer,
} from '../helpers/devserver.js';

describe('portico start: which Host names it answers to', () => {
  let app: TestApp;
  let apiApp: TestApp;
  let port: string;
  beforeAll(async () => {
    app = await startApp({ 'index.html': 'home' }, { allowedHosts: ['tunnel.example', '.ts.net'] });
    port = new URL(app.url).port;
  });
  afterAll(async () => {
    await app?.close();
    await apiApp?.close();
  });

  it('refuses a name pointed at 127.0.0.1 by someone else (DNS rebinding) with a 403 that says how to allow it', async () => {
    const answer = await app.fetch('/', {
      headers: { ...BROWSER, host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` },
    });
    expect(answer.status).toBe(403);
    expect(answer.text).toContain(
      'its Host, attacker.example, is not localhost, an IP address or the --host value',
    );
    expect(answer.text).toContain('--allowed-host attacker.example');
    expect(answer.text).not.toContain('home');
    expect(
      app.logs.filter((line) => line.includes('refused a request for Host attacker.example')),
    ).toHaveLength(1);
    await app.fetch('/', { headers: { ...BROWSER, host: `attacker.example:${port}` } });
    expect(
      app.logs.filter((line) => line.includes('refused a request for Host attacker.example')),
    ).toHaveLength(1);
  });

  it.each([
    `localhost:PORT`,
    `LOCALHOST:PORT`,
    `myapp.localhost:PORT`,
    `127.0.0.1:PORT`,
    `[::1]:PORT`,
    // A LAN address, with --host 0.0.0.0 (a header only: nothing is sent there).
    `192.168.1.20:PORT`,
    `tunnel.example`,
    `abc.tail1234.ts.net`,
    `ts.net`,
  ])('answers Host %s', async (host) => {
    const answer = await app.fetch('/', { headers: { ...BROWSER, host: host.replace('PORT', port) } });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('home');
  });

  it.each(['tunnel.example.attacker.test', 'nottunnel.example', 'evilts.net'])(
    'does not take an allowed name for a part of another: %s',
    async (host) => {
      expect((await app.fetch('/', { headers: { ...BROWSER, host } })).status).toBe(403);
    },
  );

  it('answers the --host name, and any name with all', async () => {
    expect(isAllowedHost('devbox.lan', { listenHost: 'DevBox.lan', allowedHosts: [] })).toBe(true);
    expect(isAllowedHost('devbox.lan', { listenHost: '0.0.0.0', allowedHosts: [] })).toBe(false);
    apiApp = await startApp({ 'index.html': 'home' }, { allowedHosts: ['all'] });
    expect((await apiApp.fetch('/', { headers: { ...BROWSER, host: 'anything.example' } })).status).toBe(200);
  });

  it.each([
    ['curl', { 'user-agent': 'curl/8.5.0', accept: '*/*' }],
    ['python', { 'user-agent': 'python-requests/2.31.0', accept: '*/*', 'accept-encoding': 'gzip, deflate' }],
    ['node:http', {}],
  ])('serves a script (%s: no browser fields) whatever its Host, as before the check', async (_, headers) => {
    const answer = await app.fetch('/', { headers: { ...headers, host: `attacker.example:${port}` } });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('home');
  });

  it("serves Node's own fetch (a test suite's usual client) whatever its Host, though it sends Sec-Fetch-Mode and Accept-Language", async () => {
    // Any name resolves to this machine, as a docker-compose service name or an /etc/hosts entry would.
    const dispatcher = new Agent({
      connect: { lookup: (_host, _options, done) => done(null, [{ address: '127.0.0.1', family: 4 }]) },
    });
    try {
      const answer = await fetch(`http://test-runner.example:${port}/`, {
        dispatcher,
      } as unknown as RequestInit);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('home');
    } finally {
      await dispatcher.close();
    }
  });

  it.each([
    ['with the rest of fetch metadata', { 'sec-fetch-site': 'same-origin', 'sec-fetch-dest': 'empty' }],
    ["with a browser's Accept-Language", { 'accept-language': 'en-US,en;q=0.9' }],
    ['with an Origin', { origin: 'http://attacker.example' }],
    [
      "with a browser's User-Agent",
      { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0' },
    ],
  ])('still takes Sec-Fetch-Mode %s for a browser', async (_, headers) => {
    const answer = await app.fetch('/', {
      headers: {
        'sec-fetch-mode': 'cors',
        'accept-language': '*',
        ...headers,
        host: `attacker.example:${port}`,
      },
    });
    expect(answer.status).toBe(403);
  });

  // What Chromium and Firefox send over plain HTTP to a name that is not local (no Sec-Fetch-*): a
  // rebound page's own script, same-origin, with its Referer turned off.
  it.each([
    ['sec-fetch-site', 'same-origin'],
    ['sec-fetch-dest', 'empty'],
    ['sec-fetch-user', '?1'],
    ['accept-language', 'en-US,en;q=0.9'],
    // Firefox lets a script set Accept-Language, to nothing at most: the field is still there.
    ['accept-language', ''],
    ['upgrade-insecure-requests', '1'],
    ['origin', `http://attacker.example`],
    ['referer', 'http://attacker.example/'],
    [
      'user-agent',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36',
    ],
  ])('takes a request with %s: "%s" for a browser and refuses it', async (field, value) => {
    const answer = await app.fetch('/', { headers: { [field]: value, host: `attacker.example:${port}` } });
    expect(answer.status).toBe(403);
    expect(answer.text).not.toContain('home');
  });
});

/** What Chromium sends over plain HTTP to a rebound name: no Sec-Fetch-*, but these. */
const PLAIN_HTTP_BROWSER = {
  'user-agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36',
  'accept-language': 'en-US,en;q=0.9',
};

describe('portico start <url>: requests to another Host', () => {
  let dev: FixtureDevServer;
  let app: DevModeApp;
  let allowAll: DevModeApp;
  beforeAll(async () => {
    dev = await startFixtureDevServer();
    app = await startDevMode(dev.url, {});
    allowAll = await startDevMode(dev.url, {}, { allowedHosts: ['all'] });
  });
  afterAll(async () => {
    await app?.close();
    await allowAll?.close();
    await dev?.close();
  });

  it('refuses the handshake with 403 before it reaches the dev server', async () => {
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}/ws?rebinding`, {
      headers: { ...BROWSER, 'sec-fetch-mode': 'websocket', host: 'attacker.example' },
    });
    ws.on('error', () => {});
    const [req, res] = (await once(ws, 'unexpected-response')) as [ClientRequest, IncomingMessage];
    req.destroy();
    expect(res.statusCode).toBe(403);
    expect(dev.requests.some((r) => r.url === '/ws?rebinding')).toBe(false);
  });

  it('keeps a rebound page (plain HTTP, no Sec-Fetch-*) from the dev server, requests and WebSockets', async () => {
    const host = `attacker.example:${new URL(app.url).port}`;
    const origin = `http://${host}`;
    const page = await app.fetch('/echo?rebound-fetch', { headers: { ...PLAIN_HTTP_BROWSER, host, origin } });
    expect(page.status).toBe(403);
    expect(page.text).not.toContain('"origin"');
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}/_next/hmr?rebound`, {
      headers: { ...PLAIN_HTTP_BROWSER, host },
      origin,
    });
    ws.on('error', () => {});
    const [req, res] = (await once(ws, 'unexpected-response')) as [ClientRequest, IncomingMessage];
    req.destroy();
    expect(res.statusCode).toBe(403);
    const seen = dev.requests.map((r) => r.url);
    expect(seen).not.toContain('/echo?rebound-fetch');
    expect(seen).not.toContain('/_next/hmr?rebound');
  });

  it("with --allowed-host all, sends the dev server a rebound page's real Origin, not its own", async () => {
    const port = new URL(allowAll.url).port;
    const rebound = `http://attacker.example:${port}`;
    const foreign = await allowAll.fetch('/echo', {
      headers: { ...PLAIN_HTTP_BROWSER, host: `attacker.example:${port}`, origin: rebound },
    });
    expect(foreign.status).toBe(200);
    expect(foreign.json<{ origin: string }>().origin).toBe(rebound);
    // The dev server's own check (Next.js 16 for its hot-reload socket) sees it and refuses it.
    const ws = new WebSocket(`${allowAll.url.replace('http', 'ws')}/_next/hmr?all`, {
      headers: { ...PLAIN_HTTP_BROWSER, host: `attacker.example:${port}` },
      origin: rebound,
    });
    ws.on('error', () => {});
    const [req, res] = (await once(ws, 'unexpected-response')) as [ClientRequest, IncomingMessage];
    req.destroy();
    expect(res.statusCode).toBe(502);
    const own = await allowAll.fetch('/echo', { headers: { ...PLAIN_HTTP_BROWSER, origin: allowAll.url } });
    expect(own.json<{ origin: string }>().origin).toBe(dev.url);
  });
});
