/**
 * A dev server that goes away and comes back (a Vite restart), behind `portico start <url>`, over real
 * sockets (decision 0111): Vite's reconnect ping gets no answer while it is down (Vite 5's client reloads
 * the tab at any HTTP answer, into the 502 page), the browser's 502 page reloads itself once the dev
 * server answers, and the terminal says once that it cannot be reached and once that it answers again.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type Browser, chromium } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from '../helpers/chromium.js';
import { type DevModeApp, findFreePort, startDevMode } from '../helpers/devserver.js';

const HTML = { accept: 'text/html,application/xhtml+xml' };
const VITE_PING = { accept: 'text/x-vite-ping' };

/** A dev server on `port` whose pages say `label`. */
async function startPlainDevServer(port: number, label: string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><p id="out">${label}</p>`);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
}

/** True when the request got an HTTP answer, false when the connection was dropped without one. */
async function answers(url: string, headers: Record<string, string>, method = 'GET'): Promise<boolean> {
  try {
    const response = await request(url, { method: method as 'GET', headers });
    await response.body.dump();
    return true;
  } catch {
    return false;
  }
}

describe('portico start <url>: the dev server restarts', { timeout: 60_000 }, () => {
  let port = 0;
  let url = '';
  let app: DevModeApp;
  let dev: Server | undefined;

  beforeAll(async () => {
    port = await findFreePort();
    url = `http://localhost:${port}`;
    dev = await startPlainDevServer(port, 'first');
    app = await startDevMode(url, {});
    expect((await app.fetch('/')).status).toBe(200);
    await stop(dev);
    dev = undefined;
  });

  afterAll(async () => {
    await app?.close();
    if (dev !== undefined) {
      await stop(dev);
    }
  });

  it("drops Vite's reconnect ping while it is down, so the client keeps polling instead of reloading", async () => {
    expect(await answers(`${app.url}/`, VITE_PING)).toBe(false);
    expect(await answers(`${app.url}/`, VITE_PING, 'HEAD')).toBe(false);
  });

  it('gives browsers a 502 page that reloads itself, and others the same 502 as before', async () => {
    const page = await app.fetch('/about', { headers: HTML });
    expect(page.status).toBe(502);
    expect(page.text).toContain(url);
    expect(page.text).toContain('This page reloads by itself once it answers.');
    expect(page.text).toContain("Accept:'text/x-vite-ping'");
    expect(page.text).toContain('location.reload()');
    // A form's POST is never sent again by itself.
    const posted = await app.fetch('/form', { method: 'POST', headers: HTML, body: 'a=1' });
    expect(posted.status).toBe(502);
    expect(posted.text).not.toContain('<script');
    expect(posted.text).toContain('Reload this page once it is up.');
    const text = await app.fetch('/src/main.js');
    expect(text.status).toBe(502);
    expect(text.header('content-type')).toContain('text/plain');
    expect(text.text).toContain('Reload this page once it is up.');
  });

  it('warns once per outage, naming the URL and the port it may have moved from, and says when it is back', async () => {
    await app.fetch('/a', { headers: HTML });
    await app.fetch('/b');
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}/ws`);
    ws.on('error', () => {});
    await once(ws, 'unexpected-response');
    ws.terminate();
    const warnings = () => app.logs.filter((line) => line.includes('cannot be reached'));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(`the dev server at ${url} cannot be reached (ECONNREFUSED)`);
    expect(warnings()[0]).toContain(`another port because port ${port} was taken`);
    expect(app.logs.some((line) => line.includes('WebSocket /ws'))).toBe(false);

    dev = await startPlainDevServer(port, 'second');
    expect((await app.fetch('/')).status).toBe(200);
    expect(app.logs.filter((line) => line.includes(`the dev server at ${url} answers again.`))).toHaveLength(
      1,
    );
    await stop(dev);
    dev = undefined;
    await app.fetch('/c');
    expect(warnings()).toHaveLength(2);
  });
});

describe.skipIf(!hasChromium('dev-server restart browser tests'))(
  'portico start <url>: a browser tab across a dev server restart',
  { timeout: 60_000 },
  () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });

    afterAll(async () => {
      await browser?.close();
    });

    it("keeps Vite 5's ping failing while the dev server is down, and the 502 page reloads into the app once it is back", async () => {
      const port = await findFreePort();
      let dev: Server | undefined = await startPlainDevServer(port, 'first');
      const app = await startDevMode(`http://localhost:${port}`, {});
      const page = await browser.newPage();
      try {
        await page.goto(`${app.url}/`);
        await page.waitForFunction(`document.querySelector('#out')?.textContent === 'first'`);
        await stop(dev);
        dev = undefined;
        // Vite 5's waitForSuccessfulPing: any answer means "the server is back" (then location.reload()).
        const vitePing = `fetch(location.origin + '/', { mode: 'no-cors', headers: { Accept: 'text/x-vite-ping' } }).then(() => true, () => false)`;
        expect(await page.evaluate(vitePing)).toBe(false);
        const shown = await page.reload();
        expect(shown?.status()).toBe(502);
        dev = await startPlainDevServer(port, 'second');
        await page.waitForFunction(`document.querySelector('#out')?.textContent === 'second'`, undefined, {
          timeout: 20_000,
        });
        expect(await page.evaluate(vitePing)).toBe(true);
      } finally {
        await page.close();
        await app.close();
        if (dev !== undefined) {
          await stop(dev);
        }
      }
    });
  },
);
