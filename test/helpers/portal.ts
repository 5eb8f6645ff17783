/**
 * The portal's browser harness: headless Chromium (playwright-core, the system's Chromium) against
 * `portico serve` in-process. `usePortal()` registers the hooks of a describe block and hands back what
 * its tests use: the service, the page of the current test, sign-in and site creation. Any console
 * error, CSP violation or uncaught exception fails the test, except the HTTP error answers a test
 * declares with `expectStatus` and the refused connections it declares with `expectServerDown`
 * (Chromium logs both as console errors).
 */
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { ADMIN_TOKEN, removeData, SITES_PATH, startTestService, type TestService } from './service.js';

/** Runs in the page before its own scripts (browser code, kept as text: the tests compile without DOM types). */
const REPORT_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (event) => {
  console.error('CSP violation: ' + event.violatedDirective + ' blocked ' + event.blockedURI);
});`;

/**
 * Web-first checks without @playwright/test: each reads what the page shows, polled until the
 * expectation holds or 5 s pass (`await text(locator).toBe('…')`).
 */
type Poll<T> = ReturnType<typeof expect.poll<T>>;
export function ui<T>(read: () => Promise<T>): Poll<T | undefined> {
  return expect.poll(() => read().catch(() => undefined), { timeout: 5_000, interval: 50 });
}
export const text = (l: Locator): Poll<string | null | undefined> =>
  ui(() => l.textContent({ timeout: 200 }));
export const value = (l: Locator): Poll<string | undefined> => ui(() => l.inputValue({ timeout: 200 }));
export const attribute = (l: Locator, name: string): Poll<string | null | undefined> =>
  ui(() => l.getAttribute(name, { timeout: 200 }));
export const visible = (l: Locator): Poll<boolean | undefined> => ui(() => l.isVisible());
export const count = (l: Locator): Poll<number | undefined> => ui(() => l.count());
export const disabled = (l: Locator): Poll<boolean | undefined> => ui(() => l.isDisabled({ timeout: 200 }));

export interface SiteBody {
  name: string;
  sku: { name: string };
  properties: { defaultHostname: string; apiKey?: string };
}

export interface PortalHarness {
  /** The service under test (valid from the first test on). */
  readonly t: TestService;
  /** The page of the current test (a fresh browser context per test). */
  readonly page: Page;
  /** Lets the current test provoke an HTTP error status on purpose. */
  expectStatus(...statuses: number[]): void;
  /**
   * Lets the current test make the server unreachable on purpose: Chromium's console error for a
   * refused connection (`net::ERR_CONNECTION_REFUSED`) then does not fail it; any other still does.
   */
  expectServerDown(): void;
  /** Opens the portal at `hash` and signs in with the admin token. */
  signIn(hash?: string): Promise<void>;
  /** Creates a site over REST and returns its body. */
  createSite(name: string, sku?: string): Promise<SiteBody>;
  /** Opens a new page of the current context at `viewport` (for a second size in one test). */
  resize(width: number, height: number): Promise<void>;
}

/** Options of {@link usePortal}. */
export interface PortalOptions {
  viewport?: { width: number; height: number };
  /** Options of the service, read when it starts (after the describe block's earlier `beforeAll`s). */
  service?: () => Parameters<typeof startTestService>[0];
}

/** Registers the browser hooks of the enclosing describe block. */
export function usePortal(options: PortalOptions = {}): PortalHarness {
  let t: TestService | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let problems: string[] = [];
  let expectedStatuses = new Set<number>();
  let serverDownExpected = false;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startTestService(options.service?.()),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    if (t !== undefined) {
      await t.close();
      await removeData(t.dataDir);
    }
  });

  beforeEach(async () => {
    problems = [];
    expectedStatuses = new Set();
    serverDownExpected = false;
    context = await required(browser).newContext({
      viewport: options.viewport ?? { width: 1024, height: 768 },
    });
    await context.addInitScript({ content: REPORT_CSP_VIOLATIONS });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && !isExpectedHttpError(message.text())) {
        problems.push(`console error: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  });
  afterEach(async () => {
    await context?.close();
    expect(problems).toEqual([]);
  });

  function isExpectedHttpError(message: string): boolean {
    if (serverDownExpected && message === 'Failed to load resource: net::ERR_CONNECTION_REFUSED') {
      return true;
    }
    const match = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(message);
    return match !== null && expectedStatuses.has(Number(match[1]));
  }

  const harness: PortalHarness = {
    get t() {
      return required(t);
    },
    get page() {
      return required(page);
    },
    expectStatus(...statuses) {
      for (const status of statuses) {
        expectedStatuses.add(status);
      }
    },
    expectServerDown() {
      serverDownExpected = true;
    },
    async signIn(hash = '#/') {
      const current = required(page);
      await current.goto(`${required(t).service.adminUrl}/${hash}`);
      await current.getByTestId('token-input').fill(ADMIN_TOKEN);
      await current.getByTestId('sign-in').click();
      await count(current.getByTestId('sign-in-form')).toBe(0);
    },
    async createSite(name, sku = 'Free') {
      const created = await required(t).admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: sku } });
      expect(created.status, created.text).toBe(201);
      return created.json<SiteBody>();
    },
    async resize(width, height) {
      await required(page).setViewportSize({ width, height });
    },
  };
  return harness;
}

function required<T>(value: T | undefined): T {
  if (value === undefined) {
    throw new Error('the portal harness is used before its beforeAll/beforeEach ran');
  }
  return value;
}
