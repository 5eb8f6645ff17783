/**
 * Every portal screen at 1280 and 390 px wide (a phone), in Chromium against `portico serve`: no
 * horizontal scroll (`scrollWidth <= innerWidth`), every form control and button has an accessible name,
 * text meets WCAG AA contrast, the page has its landmarks, and keyboard focus is visible. Screenshots
 * go to test/.screenshots/ (gitignored) for a look by eye.
 * @see issue 15 "Works on a phone"
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptInvitation, getSite } from '../../src/control-plane/index.js';
import { writeApp } from '../helpers/app.js';
import { hasChromium } from '../helpers/chromium.js';
import { PROVIDERS_CONFIG } from '../helpers/identity-config.js';
import { checkPage } from '../helpers/page-checks.js';
import { startTestDns, type TestDns } from '../helpers/pebble.js';
import { count, usePortal, visible } from '../helpers/portal.js';
import { ADMIN_TOKEN, createDeployedSite, deployFolders, SITES_PATH } from '../helpers/service.js';

const API_FIXTURE = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../.screenshots/', import.meta.url));
const SITE = 'mobile-site';

/** A screen: where it is, what shows it is loaded, and what to open so its hidden forms are checked too. */
interface Screen {
  readonly name: string;
  readonly hash: string;
  readonly ready: string;
  readonly open?: (page: Page) => Promise<void>;
}

const site = (tab: string) => `#/sites/${SITE}/${tab}`;
const click = (testid: string, shows: string) => async (page: Page) => {
  await page.getByTestId(testid).first().click();
  await visible(page.getByTestId(shows).first()).toBe(true);
};

/** Every screen of the portal; a new screen adds a line here. */
const SCREENS: readonly Screen[] = [
  {
    name: 'sites',
    hash: '#/',
    ready: 'sites-table',
    open: click('create-open', 'create-name'),
  },
  {
    name: 'overview',
    hash: site('overview'),
    ready: 'overview-plan',
    open: click('token-manage', 'deployment-token'),
  },
  { name: 'environments', hash: site('environments'), ready: 'deployments-table' },
  {
    name: 'apis',
    hash: site('apis'),
    // production runs the fixture's managed functions, so it explains why it offers no Link
    ready: 'apis-managed-note-default',
  },
  {
    name: 'configuration',
    hash: site('configuration'),
    ready: 'settings-add',
    open: click('settings-add', 'setting-name-input'),
  },
  { name: 'roles', hash: site('roles'), ready: 'users-table', open: click('invite-open', 'invite-user') },
  { name: 'domains', hash: site('domains'), ready: 'domains-table' },
  { name: 'functions', hash: site('functions'), ready: 'functions-table' },
  { name: 'identity', hash: site('identity'), ready: 'providers-table' },
  { name: 'metrics', hash: site('metrics'), ready: 'metrics-summary' },
  {
    name: 'apim',
    hash: '#/apim',
    ready: 'services-list-area',
    open: click('service-create-open', 'service-create-form'),
  },
  { name: 'backends', hash: '#/backends', ready: 'functionapp-section' },
];

const WIDTHS = [
  { width: 1280, height: 900 },
  // A 1366 px laptop at 200 % zoom: too wide for the phone layout, too narrow for every column.
  { width: 683, height: 384 },
  { width: 390, height: 844 },
] as const;

describe.skipIf(!hasChromium('Portal layout and accessibility'))('portal on a desktop and a phone', () => {
  let dns: TestDns;
  beforeAll(async () => {
    dns = await startTestDns();
  });
  afterAll(async () => {
    await dns?.close();
  });
  const portal = usePortal({ service: () => ({ extra: { dnsServer: dns.server } }) });

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    await createContent();
  }, 120_000);

  /** A site with something on every screen: deployments (one failed), an API, providers, a user, domains. */
  async function createContent() {
    const apiDir = join(SCRATCH, `mobile-api-${process.pid}`);
    await mkdir(SCRATCH, { recursive: true });
    await cp(API_FIXTURE, apiDir, { recursive: true });
    await writeFile(
      join(apiDir, 'src', 'functions', 'orders.js'),
      "const { app } = require('@azure/functions');\napp.http('ordersWithAQuiteLongFunctionName', { methods: ['GET', 'POST', 'PUT', 'DELETE'], route: 'orders/{customerId}/items/{itemId?}', handler: async () => ({ body: 'ok' }) });\n",
    );
    try {
      const host = await createDeployedSite(portal.t, SITE, {
        files: { 'index.html': 'home' },
        config: PROVIDERS_CONFIG,
        apiDir,
        settings: {
          GITHUB_CLIENT_ID: 'a',
          GITHUB_CLIENT_SECRET: 'b',
          A_RATHER_LONG_SETTING_NAME_FOR_PHONES: 'x',
        },
      });
      await dns.setCname(`www.${SITE}.example`, host);
    } finally {
      await rm(apiDir, { recursive: true, force: true });
    }
    const token = (await portal.t.admin('POST', `${SITES_PATH}/${SITE}/listSecrets`)).json<{
      properties: { apiKey: string };
    }>().properties.apiKey;
    const bad = await writeApp({ 'index.html': 'bad' }, { routes: 'not-a-list' });
    expect((await deployFolders(portal.t.service, token, bad)).status).toBe(400);
    const preview = await writeApp({ 'index.html': 'preview' });
    expect((await deployFolders(portal.t.service, token, preview, { environment: 'preview' })).status).toBe(
      200,
    );
    for (const domain of [`www.${SITE}.example`, `${SITE}.example`]) {
      expect((await portal.t.admin('PUT', `${SITES_PATH}/${SITE}/customDomains/${domain}`, {})).status).toBe(
        200,
      );
    }
    const invited = await portal.t.admin('POST', `${SITES_PATH}/${SITE}/createUserInvitation`, {
      properties: { provider: 'github', userDetails: 'octocat-with-a-long-name', roles: 'editor,reviewer' },
    });
    const url = invited.json<{ properties: { invitationUrl: string } }>().properties.invitationUrl;
    const control = portal.t.service.control;
    await acceptInvitation(control, await getSite(control, SITE), url.slice(url.lastIndexOf('/') + 1), {
      provider: 'github',
      userDetails: 'octocat-with-a-long-name',
    });
  }

  /** Nothing sticks out, nothing is unnamed or faint, and the landmarks are there. */
  async function expectGoodPage(label: string, landmarks = ['banner', 'main', 'navigation']) {
    const report = await checkPage(portal.page);
    expect({ label, ...report }).toEqual({
      label,
      overflow: [],
      unnamed: [],
      mislabelled: [],
      lowContrast: [],
      landmarks,
    });
  }

  for (const viewport of WIDTHS) {
    it(`shows the sign-in screen at ${viewport.width} px`, async () => {
      await portal.resize(viewport.width, viewport.height);
      await portal.page.goto(`${portal.t.service.adminUrl}/`);
      await visible(portal.page.getByTestId('sign-in-form')).toBe(true);
      await expectGoodPage(`sign-in ${viewport.width}`, ['banner', 'main']);
      await portal.page.screenshot({
        path: join(SCREENSHOTS, `${viewport.width}-sign-in.png`),
        fullPage: true,
      });
    });

    it(`fits every screen in ${viewport.width} px with names, contrast and landmarks`, async () => {
      await portal.resize(viewport.width, viewport.height);
      await portal.signIn();
      for (const screen of SCREENS) {
        await portal.page.goto(`${portal.t.service.adminUrl}/${screen.hash}`);
        await visible(portal.page.getByTestId(screen.ready).first()).toBe(true);
        await count(portal.page.getByTestId('loading')).toBe(0);
        await expectGoodPage(`${screen.name} ${viewport.width}`);
        await portal.page.screenshot({
          path: join(SCREENSHOTS, `${viewport.width}-${screen.name}.png`),
          fullPage: true,
        });
        if (screen.open !== undefined) {
          await screen.open(portal.page);
          await expectGoodPage(`${screen.name} (open) ${viewport.width}`);
          await portal.page.screenshot({
            path: join(SCREENSHOTS, `${viewport.width}-${screen.name}-open.png`),
            fullPage: true,
          });
        }
      }
    }, 120_000);
  }

  it('keeps a confirmation dialog inside a phone screen and its buttons named', async () => {
    await portal.resize(390, 844);
    await portal.signIn(site('domains'));
    await portal.page.getByRole('button', { name: `Delete www.${SITE}.example` }).click();
    await visible(portal.page.getByTestId('confirm-dialog')).toBe(true);
    await expectGoodPage('confirm dialog 390');
    await portal.page.screenshot({ path: join(SCREENSHOTS, '390-confirm-dialog.png') });
    await portal.page.getByTestId('confirm-cancel').click();
    await count(portal.page.getByTestId('confirm-dialog')).toBe(0);
  });

  it('shows where keyboard focus is on every control reached with Tab', async () => {
    await portal.resize(390, 844);
    await portal.signIn(site('environments'));
    await visible(portal.page.getByTestId('deployments-table').first()).toBe(true);
    const seen = new Set<string>();
    for (let i = 0; i < 25; i += 1) {
      await portal.page.keyboard.press('Tab');
      // The outline's contrast with the background around the control (WCAG 1.4.11: at least 3:1).
      const focus = (await portal.page.evaluate(`(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
        const lum = ([r, g, b]) => {
          const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
          return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        };
        let around = el.parentElement;
        while (around && (rgb(getComputedStyle(around).backgroundColor)[3] === 0 || getComputedStyle(around).backgroundColor === 'transparent')) around = around.parentElement;
        const back = rgb(around ? getComputedStyle(around).backgroundColor : 'rgb(255, 255, 255)');
        const [a, b] = [lum(rgb(style.outlineColor)), lum(back)].sort((x, y) => y - x);
        return { what: el.tagName + ' ' + (el.textContent || '').trim().slice(0, 30), outline: style.outlineStyle, width: parseFloat(style.outlineWidth), contrast: (a + 0.05) / (b + 0.05) };
      })()`)) as { what: string; outline: string; width: number; contrast: number } | null;
      if (focus === null) {
        continue;
      }
      seen.add(focus.what);
      expect({
        what: focus.what,
        visible: focus.outline !== 'none' && focus.width >= 2,
        contrasted: focus.contrast >= 3,
      }).toEqual({ what: focus.what, visible: true, contrasted: true });
    }
    expect(seen.size).toBeGreaterThan(10);
  });

  it('never stores the admin token beyond the tab session', async () => {
    await portal.signIn();
    const stored = (await portal.page.evaluate(
      `JSON.stringify({ local: Object.keys(localStorage).map((k) => localStorage.getItem(k)), cookies: document.cookie })`,
    )) as string;
    expect(stored).not.toContain(ADMIN_TOKEN);
  });
});
