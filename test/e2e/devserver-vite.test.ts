/**
 * A real Vite dev server behind `portico start <url> --run "<vite>"`, in headless Chromium: the page
 * loads through Portico's port, an edit to a module reaches the page by hot module replacement over the
 * WebSocket that Portico carries (no full reload: a `window` marker survives), `/admin` is protected by
 * the config (401, then 200 after the dev sign-in form) and `/api` answers from managed functions at
 * the same time. Every wait is on an event or a page condition, never on a delay.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from '../helpers/chromium.js';
import { type RunningCli, startCli } from '../helpers/cli.js';
import { findFreePort } from '../helpers/devserver.js';

const VITE = fileURLToPath(new URL('../../node_modules/vite/bin/vite.js', import.meta.url));
const API_DIR = fileURLToPath(new URL('../fixtures/functions/v4-esm', import.meta.url));

const MAIN_JS = `import { label } from './label.js';
const render = (text) => { document.querySelector('#out').textContent = text; };
render(label);
if (import.meta.hot) {
  import.meta.hot.accept('./label.js', (next) => render(next.label));
}
`;

describe.skipIf(!hasChromium('Vite dev-server browser tests'))(
  'Vite behind portico start',
  { timeout: 180_000 },
  () => {
    let project = '';
    let vitePort = 0;
    let cli: RunningCli;
    let browser: Browser;

    beforeAll(async () => {
      project = await mkdtemp(join(tmpdir(), 'portico-vite-'));
      await writeFile(
        join(project, 'index.html'),
        '<!doctype html><html><body><p id="out">…</p><script type="module" src="/main.js"></script></body></html>',
      );
      await writeFile(join(project, 'main.js'), MAIN_JS);
      await writeFile(join(project, 'label.js'), "export const label = 'first';\n");
      await writeFile(
        join(project, 'staticwebapp.config.json'),
        JSON.stringify({ routes: [{ route: '/admin', allowedRoles: ['authenticated'] }] }),
      );
      vitePort = await findFreePort();
      const run = `node ${VITE} ${project} --port ${vitePort} --strictPort --clearScreen false`;
      cli = await startCli(
        [
          'start',
          `http://localhost:${vitePort}`,
          '--swa-config-location',
          project,
          '--api',
          API_DIR,
          '--port',
          '0',
          '--run',
          run,
        ],
        120_000,
      );
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await cli?.stop('SIGINT');
      await rm(project, { recursive: true, force: true });
    });

    it('loads the page through Portico and updates it by HMR over the carried WebSocket', async () => {
      const page = await browser.newPage();
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      // Vite's client logs this once its HMR WebSocket is open.
      const connected = page.waitForEvent('console', (message) =>
        message.text().includes('[vite] connected'),
      );
      await page.goto(`${cli.url}/`);
      await page.waitForFunction(`document.querySelector('#out')?.textContent === 'first'`);
      await connected;
      await page.evaluate(`window.marker = 'kept'`);
      // What the browser and the processes said, for a failure to show why the update did not come.
      const browserLog: string[] = [];
      page.on('console', (message) => browserLog.push(`${message.type()}: ${message.text()}`));
      page.on('requestfailed', (request) =>
        browserLog.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
      );
      await writeFile(join(project, 'label.js'), "export const label = 'second';\n");
      await page
        .waitForFunction(`document.querySelector('#out')?.textContent === 'second'`)
        .catch((error: Error) => {
          const tail = (text: string) => text.split('\n').slice(-20).join('\n');
          throw new Error(
            `${error.message}\nbrowser:\n${browserLog.join('\n')}\nportico start and Vite, stdout:\n${tail(cli.stdout())}\nstderr:\n${tail(cli.stderr())}`,
          );
        });
      expect(await page.evaluate(`window.marker`)).toBe('kept');
      const portico = new URL(cli.url).port;
      expect(sockets.some((url) => new URL(url).port === portico)).toBe(true);
      expect(sockets.every((url) => new URL(url).port !== String(vitePort))).toBe(true);
      await page.close();
    });

    it('protects /admin by the config (401, then 200 after the dev sign-in) while /api answers', async () => {
      const page = await browser.newPage();
      const denied = await page.goto(`${cli.url}/admin`);
      expect(denied?.status()).toBe(401);
      await page.goto(`${cli.url}/.auth/login/github?post_login_redirect_uri=/admin`);
      await page.fill('#userDetails', 'ada');
      await Promise.all([page.waitForURL(`${cli.url}/admin`), page.click('#submit')]);
      const allowed = await page.goto(`${cli.url}/admin`);
      expect(allowed?.status()).toBe(200);
      const api = await page.goto(`${cli.url}/api/greet?name=vite`);
      expect(await api?.text()).toBe('Hello, vite!');
      await page.close();
    });
  },
);
