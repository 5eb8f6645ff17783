/**
 * DNS rebinding in a real browser: headless Chromium resolves `evil.test` to 127.0.0.1 (host resolver
 * rules), as a rebound attacker name would. Over plain HTTP on a name that is not local, Chromium sends
 * no `Sec-Fetch-*` fields, so the Host check must know the browser by its other fields (User-Agent,
 * Accept-Language…): the page and a script's same-origin fetch get the 403, in folder mode and in
 * dev-server mode, where the dev server never sees the request; `localhost` is still served.
 * @see docs/decisions/0093-start-in-front-of-dev-servers.md, "Hosts answered"
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from '../helpers/chromium.js';
import {
  type DevModeApp,
  type FixtureDevServer,
  startDevMode,
  startFixtureDevServer,
} from '../helpers/devserver.js';

const ATTACKER = 'evil.test';

/** What a script on the rebound page reads from `path` (same origin, no Referer): status and body. */
async function fetchFromPage(page: Page, path: string): Promise<{ status: number; text: string }> {
  return page.evaluate(async (target) => {
    const answer = await fetch(target, { referrerPolicy: 'no-referrer', credentials: 'omit' });
    return { status: answer.status, text: await answer.text() };
  }, path);
}

/**
 * A page of the rebound name, `http://evil.test:<port>/`, whatever Portico answered for it: its scripts
 * run in the attacker's origin, as they would once the name points at 127.0.0.1. (A document from the
 * attacker's own address would meet Chromium's Local Network Access checks; Firefox has none.)
 */
async function openAttackerPage(browser: Browser, port: number): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`http://${ATTACKER}:${port}/`);
  return page;
}

describe.skipIf(!hasChromium('Host check browser tests'))('Host check in Chromium (DNS rebinding)', () => {
  let browser: Browser;
  let app: TestApp;
  let port = 0;
  let dev: FixtureDevServer;
  let devApp: DevModeApp;
  let devPort = 0;

  beforeAll(async () => {
    app = await startApp({ 'index.html': 'home' });
    port = Number(new URL(app.url).port);
    dev = await startFixtureDevServer();
    devApp = await startDevMode(dev.url, {});
    devPort = Number(new URL(devApp.url).port);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        ...CHROMIUM_ARGS,
        `--host-resolver-rules=MAP ${ATTACKER} 127.0.0.1`,
        // No https:// attempt first: the attacker's page is plain HTTP, as in the attack.
        '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await devApp?.close();
    await dev?.close();
  });

  it('answers a page opened at http://evil.test:<port>/ with the 403 that names the host', async () => {
    const page = await browser.newPage();
    const answer = await page.goto(`http://${ATTACKER}:${port}/`);
    expect(answer?.status()).toBe(403);
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).toContain(`its Host, ${ATTACKER}, is not localhost, an IP address or the --host value`);
    expect(text).toContain(`--allowed-host ${ATTACKER}`);
    expect(text).not.toContain('home');
    await page.close();
  });

  it("refuses the rebound page's script, which sends no Sec-Fetch-*, Origin or Referer", async () => {
    const page = await openAttackerPage(browser, port);
    const answer = await fetchFromPage(page, '/index.html');
    expect(answer.status).toBe(403);
    expect(answer.text).not.toContain('home');
    await page.close();
  });

  it('still serves http://localhost:<port>/ and its scripts', async () => {
    const page = await browser.newPage();
    const answer = await page.goto(`http://localhost:${port}/`);
    expect(answer?.status()).toBe(200);
    expect(await page.locator('body').textContent()).toBe('home');
    expect(await fetchFromPage(page, '/index.html')).toEqual({ status: 200, text: 'home' });
    await page.close();
  });

  it('in dev-server mode, keeps the rebound page, its fetch and its WebSocket from the dev server', async () => {
    const page = await browser.newPage();
    const navigation = await page.goto(`http://${ATTACKER}:${devPort}/about/index.html?navigated`);
    expect(navigation?.status()).toBe(403);
    await page.close();
    const attacker = await openAttackerPage(browser, devPort);
    expect((await fetchFromPage(attacker, '/echo?fetched')).status).toBe(403);
    const socket = await attacker.evaluate(
      () =>
        new Promise<string>((resolve) => {
          // The page's own location (the test's types have no DOM).
          const { host } = (globalThis as unknown as { location: { host: string } }).location;
          const ws = new WebSocket(`ws://${host}/ws?rebound`);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        }),
    );
    expect(socket).toBe('refused');
    await attacker.close();
    const seen = dev.requests.map((request) => request.url);
    expect(seen).not.toContain('/about/index.html?navigated');
    expect(seen).not.toContain('/echo?fetched');
    expect(seen).not.toContain('/ws?rebound');
  });

  it('in dev-server mode, still serves http://localhost:<port>/', async () => {
    const page = await browser.newPage();
    const answer = await page.goto(`http://localhost:${devPort}/about/index.html`);
    expect(answer?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('about');
    await page.close();
  });
});
