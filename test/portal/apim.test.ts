/**
 * The API Management screens in a real browser (headless Chromium against `portico serve`): services,
 * APIs and operations, products and their APIs, subscriptions and keys, named values, and policies with
 * the server's line-numbered refusals, including the linking document's whole path (service → API on a
 * real backend → link a site → Products → the product → + Add API → the site's /api answers through the
 * gateway). Each screen is also checked at 390 px wide for horizontal overflow.
 *
 * @see issue 15, items 1 and 5
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { hasChromium } from '../helpers/chromium.js';
import { attribute, count, text, usePortal, value, visible } from '../helpers/portal.js';
import { deployFolders, PROVIDERS_PATH } from '../helpers/service.js';

const SERVICES = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service`;

/** Each flow chains many UI steps; on a busy shared machine they need more than the default 20 s. */
const FLOW_TIMEOUT = 60_000;

describe.skipIf(!hasChromium('Portal API Management tests'))('portal: API Management', () => {
  const portal = usePortal();
  let backend: Backend;

  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(async () => {
    await backend?.close();
  });

  /** Whether the page is wider than the window (a horizontal scroll bar). */
  const overflows = () =>
    portal.page.evaluate('document.documentElement.scrollWidth > window.innerWidth') as Promise<boolean>;

  it(
    'follows the linking document: service → API on a real backend → link a site → product gets the API → /api answers',
    async () => {
      portal.expectStatus(400);
      const site = await portal.createSite('apim-docs', 'Standard');
      const host = site.properties.defaultHostname;
      const deployed = await deployFolders(
        portal.t.service,
        site.properties.apiKey ?? '',
        await writeApp({ 'index.html': '<h1>docs</h1>' }),
      );
      expect(deployed.status, deployed.text).toBe(200);

      // Create the service from the top bar's API Management section.
      await portal.signIn('#/');
      await portal.page.getByTestId('nav-apim').click();
      await visible(portal.page.getByRole('heading', { name: 'API Management services' })).toBe(true);
      await visible(portal.page.getByTestId('services-empty')).toBe(true);
      await portal.page.getByTestId('service-create-open').click();
      await portal.page.getByTestId('service-name').fill('docs-gw');
      await portal.page.getByTestId('service-create').click();
      await text(portal.page.getByTestId('service-create-message-success')).toContain('Created docs-gw');
      const service = (await portal.t.admin('GET', `${SERVICES}/docs-gw`)).json<{
        properties: { gatewayUrl: string; gatewayHostname: string };
      }>();
      await text(portal.page.getByTestId('service-row-docs-gw').getByTestId('service-gateway')).toBe(
        service.properties.gatewayUrl,
      );
      await portal.page.getByTestId('service-link-docs-gw').click();
      await attribute(portal.page.getByTestId('service-gateway-url'), 'href').toBe(
        service.properties.gatewayUrl,
      );
      await visible(portal.page.getByTestId('service-linked-list-empty')).toBe(true);

      // An API whose suffix is `api`, so the site's /api/hello reaches the backend's /hello.
      await portal.page.getByTestId('tab-apis').click();
      await visible(portal.page.getByTestId('apim-apis-empty')).toBe(true);
      await portal.page.getByTestId('api-create-open').click();
      await portal.page.getByTestId('api-display-name').fill('Demo API');
      await portal.page.getByTestId('api-name').fill('demo');
      await portal.page.getByTestId('api-service-url-input').fill(`${backend.url}/backend`);
      await portal.page.getByTestId('api-path-input').fill('api');
      await portal.page.getByTestId('api-operations-input').fill('GET /hello\nbad line');
      await portal.page.getByTestId('api-create').click();
      await text(portal.page.getByTestId('api-create-message-error')).toContain('Operations, line 2');
      await portal.page.getByTestId('api-operations-input').fill('GET /hello\nget /hello');
      await portal.page.getByTestId('api-create').click();
      await text(portal.page.getByTestId('api-create-message-error')).toContain(
        'Operations, line 2: "get /hello" is the operation of line 1 again',
      );
      // A template the server refuses: the API is not left behind without its operations.
      await portal.page.getByTestId('api-operations-input').fill('GET /hello\nGET /a/{id');
      await portal.page.getByTestId('api-create').click();
      await text(portal.page.getByTestId('api-create-message-error')).toContain('Operations, line 2:');
      await text(portal.page.getByTestId('api-create-message-error')).toContain('Nothing was created.');
      expect((await portal.t.admin('GET', `${SERVICES}/docs-gw/apis/demo`)).status).toBe(404);
      await portal.page.getByTestId('api-operations-input').fill('GET /hello\nPOST /orders/{id}');
      await portal.page.getByTestId('api-create').click();
      await text(portal.page.getByTestId('apim-apis-message-success')).toContain(
        'Created the API demo with 2 operation(s)',
      );
      const row = portal.page.getByTestId('api-row-demo');
      await text(row.getByTestId('api-path')).toBe('/api');
      await text(row.getByTestId('api-operations')).toContain('POST /orders/{id}');
      const operations = (await portal.t.admin('GET', `${SERVICES}/docs-gw/apis/demo/operations`)).json<{
        value: { name: string }[];
      }>();
      expect(operations.value.map((op) => op.name).sort()).toEqual(['get-hello', 'post-orders-id']);

      // Link the site to the service on the site's APIs tab.
      await portal.page.goto(`${portal.t.service.adminUrl}/#/sites/apim-docs/apis`);
      await portal.page.getByRole('button', { name: 'Link a backend to Production' }).click();
      await portal.page.getByTestId('link-type').selectOption('apim');
      await value(portal.page.getByTestId('link-resource')).toBe('docs-gw');
      await portal.page.getByTestId('link-submit').click();
      await text(portal.page.getByTestId('apis-message-success')).toContain('Linked API Management docs-gw');
      // Until the product has the API, the gateway refuses with APIM's invalid-key 401.
      expect((await portal.t.get(host, '/api/hello')).status).toBe(401);

      // Products → select the product linking made → + Add API.
      await portal.page.goto(`${portal.t.service.adminUrl}/#/apim/docs-gw/products`);
      const label = host.split('.')[0] ?? '';
      const product = portal.page.getByTestId(`product-row-swa-${label}`);
      await text(product.getByTestId('product-state')).toBe('Published');
      await visible(product.getByTestId('product-linked')).toBe(true);
      await product.getByTestId(`product-link-swa-${label}`).click();
      await visible(portal.page.getByTestId('product-apis-empty')).toBe(true);
      await portal.page.getByTestId('product-api-choice').selectOption('demo');
      await portal.page.getByTestId('product-api-add').click();
      await text(portal.page.getByTestId('product-message-success')).toBe(`Added demo to swa-${label}.`);
      await visible(portal.page.getByTestId('product-api-row-demo')).toBe(true);
      await text(product.getByTestId('product-apis')).toBe('demo');

      const answer = await portal.t.get(host, '/api/hello?x=1');
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json<EchoRequest>().url).toBe('/backend/hello?x=1');

      // The service's Overview lists the site; its generated subscription is marked.
      await portal.page.getByTestId('tab-overview').click();
      await text(portal.page.getByTestId('service-linked-list')).toBe('apim-docs (Production)');
      await portal.page.getByTestId('tab-subscriptions').click();
      await visible(
        portal.page.getByTestId(`subscription-row-swa-${label}`).getByTestId('subscription-generated'),
      ).toBe(true);
      // Deleting a linked service is refused with the API's message.
      portal.expectStatus(409);
      await portal.page.getByTestId('tab-overview').click();
      await portal.page.getByTestId('service-delete').click();
      await portal.page.getByTestId('confirm-input').fill('docs-gw');
      await portal.page.getByTestId('confirm-ok').click();
      await text(portal.page.getByTestId('service-message-error')).toContain('apim-docs');
    },
    FLOW_TIMEOUT,
  );

  it(
    'creates a product, publishes it, changes its subscription requirement, adds and removes an API, deletes it',
    async () => {
      expect((await portal.t.admin('PUT', `${SERVICES}/prod-gw`, { properties: {} })).status).toBe(201);
      expect(
        (
          await portal.t.admin('PUT', `${SERVICES}/prod-gw/apis/orders`, {
            properties: { path: 'orders', serviceUrl: backend.url },
          })
        ).status,
      ).toBe(201);
      const product = async () =>
        (await portal.t.admin('GET', `${SERVICES}/prod-gw/products/gold`)).json<{
          properties: { state: string; subscriptionRequired: boolean; displayName: string };
        }>().properties;
      await portal.signIn('#/apim/prod-gw/products');
      await visible(portal.page.getByTestId('products-empty')).toBe(true);
      await portal.page.getByTestId('product-create-open').click();
      await portal.page.getByTestId('product-display-name').fill('Gold');
      await portal.page.getByTestId('product-id').fill('gold');
      await portal.page.getByTestId('product-create').click();
      await text(portal.page.getByTestId('products-message-success')).toBe('Created the product gold.');
      expect(await product()).toMatchObject({
        displayName: 'Gold',
        state: 'notPublished',
        subscriptionRequired: true,
      });

      await portal.page.getByTestId('product-link-gold').click();
      await portal.page.getByTestId('product-publish').click();
      await text(portal.page.getByTestId('product-message-success')).toBe('Published gold.');
      await text(portal.page.getByTestId('product-row-gold').getByTestId('product-state')).toBe('Published');
      await portal.page.getByTestId('product-requires-subscription').uncheck();
      await text(portal.page.getByTestId('product-message-success')).toBe(
        'gold no longer requires a subscription.',
      );
      expect(await product()).toMatchObject({
        displayName: 'Gold',
        state: 'published',
        subscriptionRequired: false,
      });

      await portal.page.getByTestId('product-api-choice').selectOption('orders');
      await portal.page.getByTestId('product-api-add').click();
      await visible(portal.page.getByTestId('product-api-row-orders')).toBe(true);
      await portal.page.getByTestId('product-api-remove-orders').click();
      await text(portal.page.getByTestId('product-message-success')).toBe('Removed orders from gold.');
      await visible(portal.page.getByTestId('product-apis-empty')).toBe(true);
      const apis = await portal.t.admin('GET', `${SERVICES}/prod-gw/products/gold/apis`);
      expect(apis.json<{ value: unknown[] }>().value).toEqual([]);

      await portal.page.getByTestId('product-delete').click();
      await portal.page.getByTestId('confirm-ok').click();
      await visible(portal.page.getByTestId('products-empty')).toBe(true);
      expect((await portal.t.admin('GET', `${SERVICES}/prod-gw/products/gold`)).status).toBe(404);
    },
    FLOW_TIMEOUT,
  );

  it(
    'creates subscriptions with a scope, shows, hides and regenerates keys, and changes the state',
    async () => {
      expect((await portal.t.admin('PUT', `${SERVICES}/keys-gw`, { properties: {} })).status).toBe(201);
      expect(
        (
          await portal.t.admin('PUT', `${SERVICES}/keys-gw/products/starter`, {
            properties: { displayName: 'Starter', state: 'published' },
          })
        ).status,
      ).toBe(201);
      await portal.signIn('#/apim/keys-gw/subscriptions');
      await visible(portal.page.getByTestId('subscription-row-master')).toBe(true);
      await portal.page.getByTestId('subscription-create-open').click();
      await portal.page.getByTestId('subscription-name').fill('partner');
      await portal.page.getByTestId('subscription-display-name').fill('Partner team');
      await portal.page.getByTestId('subscription-scope-choice').selectOption('/products/starter');
      await portal.page.getByTestId('subscription-create').click();
      await text(portal.page.getByTestId('subscriptions-message-success')).toContain(
        'Created the subscription partner',
      );
      const row = portal.page.getByTestId('subscription-row-partner');
      await text(row.getByTestId('subscription-scope')).toBe('Product: starter');
      await value(row.getByTestId('subscription-state')).toBe('active');

      // Keys are not on the page until asked for.
      const secrets = async () =>
        (await portal.t.admin('POST', `${SERVICES}/keys-gw/subscriptions/partner/listSecrets`)).json<{
          primaryKey: string;
          secondaryKey: string;
        }>();
      const before = await secrets();
      expect(await portal.page.getByTestId('main').textContent()).not.toContain(before.primaryKey);
      // From the keyboard: the focus moves to the button that takes the place of the one pressed.
      const focused = () =>
        portal.page.evaluate("document.activeElement?.getAttribute('data-testid') ?? null");
      await row.getByTestId('subscription-show-partner').focus();
      await portal.page.keyboard.press('Enter');
      await value(row.getByTestId('subscription-primary-key')).toBe(before.primaryKey);
      await value(row.getByTestId('subscription-secondary-key')).toBe(before.secondaryKey);
      expect(await focused()).toBe('subscription-hide-partner');
      await portal.page.keyboard.press('Enter');
      await count(row.getByTestId('subscription-primary-key')).toBe(0);
      expect(await focused()).toBe('subscription-show-partner');

      await row.getByTestId('subscription-show-partner').click();
      await row.getByTestId('subscription-regenerate-primary').click();
      await portal.page.getByTestId('confirm-ok').click();
      await text(portal.page.getByTestId('subscriptions-message-success')).toBe(
        'Regenerated the primary key of partner.',
      );
      // The list was drawn again: the focus is on the notice, not lost at the top of the page.
      expect(await focused()).toBe('subscriptions-message');
      const after = await secrets();
      expect(after.primaryKey).not.toBe(before.primaryKey);
      expect(after.secondaryKey).toBe(before.secondaryKey);

      // A state change asks first (one arrow key on the select is a change): cancelled, nothing changes.
      await row.getByTestId('subscription-state').selectOption('suspended');
      await text(portal.page.getByTestId('confirm-dialog')).toContain(
        'Make the subscription partner suspended?',
      );
      await portal.page.getByTestId('confirm-cancel').click();
      await value(row.getByTestId('subscription-state')).toBe('active');
      expect(
        (await portal.t.admin('GET', `${SERVICES}/keys-gw/subscriptions/partner`)).json<{
          properties: { state: string };
        }>().properties.state,
      ).toBe('active');
      await row.getByTestId('subscription-state').selectOption('suspended');
      await portal.page.getByTestId('confirm-ok').click();
      await text(portal.page.getByTestId('subscriptions-message-success')).toBe(
        'The subscription partner is now suspended.',
      );
      const stored = (await portal.t.admin('GET', `${SERVICES}/keys-gw/subscriptions/partner`)).json<{
        properties: { state: string };
      }>();
      expect(stored.properties.state).toBe('suspended');
    },
    FLOW_TIMEOUT,
  );

  it(
    'keeps secret named values hidden until shown, and shows plain ones',
    async () => {
      expect((await portal.t.admin('PUT', `${SERVICES}/nv-gw`, { properties: {} })).status).toBe(201);
      await portal.signIn('#/apim/nv-gw/named-values');
      await visible(portal.page.getByTestId('named-values-empty')).toBe(true);
      await portal.page.getByTestId('named-value-create-open').click();
      for (const [name, shown, secret] of [
        ['backend-key', 's3cret-value-42', true],
        ['region', 'west-europe', false],
      ] as const) {
        await portal.page.getByTestId('named-value-name').fill(name);
        await portal.page.getByTestId('named-value-display-name').fill(name);
        await portal.page.getByTestId('named-value-value-input').fill(shown);
        if (!secret) {
          await portal.page.getByTestId('named-value-secret').uncheck();
        }
        await portal.page.getByTestId('named-value-create').click();
        await text(portal.page.getByTestId('named-values-message-success')).toBe(
          `Saved the named value ${name}.`,
        );
      }
      const secretRow = portal.page.getByTestId('named-value-row-backend-key');
      await text(secretRow.getByTestId('named-value-type')).toBe('Secret');
      await text(secretRow.getByTestId('named-value-value')).toBe('Hidden value');
      await text(portal.page.getByTestId('named-value-row-region').getByTestId('named-value-value')).toBe(
        'west-europe',
      );
      expect(await portal.page.getByTestId('main').textContent()).not.toContain('s3cret-value-42');
      await secretRow.getByTestId('named-value-show-backend-key').click();
      await text(secretRow.getByTestId('named-value-value')).toBe('s3cret-value-42');
      await secretRow.getByTestId('named-value-hide-backend-key').click();
      await text(secretRow.getByTestId('named-value-value')).toBe('Hidden value');

      // A secret a policy uses is rotated in place: Edit, a new value, Save; a blank value keeps it.
      const global = `${SERVICES}/nv-gw/policies/policy`;
      const policy =
        '<policies><inbound><base /><set-header name="x-key" exists-action="override"><value>{{backend-key}}</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>';
      expect(
        (await portal.t.admin('PUT', global, { properties: { format: 'rawxml', value: policy } })).status,
      ).toBe(201);
      await secretRow.getByTestId('named-value-edit-backend-key').click();
      await value(portal.page.getByTestId('named-value-edit-display-name')).toBe('backend-key');
      await portal.page.getByTestId('named-value-edit-value').fill('rotated-value-43');
      await portal.page.getByTestId('named-value-edit-save').click();
      await text(portal.page.getByTestId('named-values-message-success')).toBe(
        'Saved the named value backend-key.',
      );
      const listValue = async () =>
        (await portal.t.admin('POST', `${SERVICES}/nv-gw/namedValues/backend-key/listValue`)).json<{
          value: string;
        }>().value;
      expect(await listValue()).toBe('rotated-value-43');
      await portal.page
        .getByTestId('named-value-row-backend-key')
        .getByTestId('named-value-edit-backend-key')
        .click();
      await portal.page.getByTestId('named-value-edit-secret').uncheck();
      await portal.page.getByTestId('named-value-edit-save').click();
      await text(
        portal.page.getByTestId('named-value-row-backend-key').getByTestId('named-value-value'),
      ).toBe('rotated-value-43');
      expect(await listValue()).toBe('rotated-value-43');
    },
    FLOW_TIMEOUT,
  );

  it(
    'edits policies at the global and operation scopes and shows the server’s line-numbered refusals',
    async () => {
      portal.expectStatus(400, 404);
      expect((await portal.t.admin('PUT', `${SERVICES}/pol-gw`, { properties: {} })).status).toBe(201);
      expect(
        (
          await portal.t.admin('PUT', `${SERVICES}/pol-gw/apis/orders`, {
            properties: { path: 'orders', serviceUrl: backend.url },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await portal.t.admin('PUT', `${SERVICES}/pol-gw/apis/orders/operations/list`, {
            properties: { method: 'GET', urlTemplate: '/list' },
          })
        ).status,
      ).toBe(201);
      await portal.signIn('#/apim/pol-gw/policies');
      await visible(portal.page.getByTestId('policy-none')).toBe(true);
      await value(portal.page.getByTestId('policy-xml')).toContain('<base />');
      const broken = [
        '<policies>',
        '  <inbound>',
        '    <base />',
        '    <no-such-policy />',
        '  </inbound>',
        '</policies>',
      ].join('\n');
      await portal.page.getByTestId('policy-xml').fill(broken);
      await portal.page.getByTestId('policy-save').click();
      await visible(portal.page.getByTestId('policy-message-error')).toBe(true);
      await text(portal.page.getByTestId('policy-problems')).toContain('line 4');
      await text(portal.page.getByTestId('policy-gutter').locator('.line-error')).toBe('4');
      await portal.page.getByTestId('policy-problem-line-4').click();
      expect(
        await portal.page
          .getByTestId('policy-xml')
          .evaluate((el) => (el as { selectionStart: number }).selectionStart),
      ).toBe(broken.split('\n').slice(0, 3).join('\n').length + 1);

      const good = broken.replace(
        '    <no-such-policy />\n',
        '    <set-header name="x-from-portal" exists-action="override"><value>1</value></set-header>\n',
      );
      await portal.page.getByTestId('policy-xml').fill(good);
      await portal.page.getByTestId('policy-save').click();
      await text(portal.page.getByTestId('policy-message-success')).toContain('Saved');
      await count(portal.page.getByTestId('policy-gutter').locator('.line-error')).toBe(0);
      const global = (await portal.t.admin('GET', `${SERVICES}/pol-gw/policies/policy`)).json<{
        properties: { value: string };
      }>();
      expect(global.properties.value).toContain('x-from-portal');

      // Unsaved edits, and the picker moved then the move cancelled: the picker shows global again, and
      // Save acts on what it names.
      await portal.page.getByTestId('policy-xml').fill(good.replace('<value>1</value>', '<value>2</value>'));
      const asked = new Promise<string>((resolve) => {
        portal.page.once('dialog', (dialog) => {
          resolve(dialog.message());
          void dialog.dismiss();
        });
      });
      await portal.page.getByTestId('policy-scope').selectOption('api:orders');
      expect(await asked).toBe('The policy document has unsaved changes. Leave this page and lose them?');
      await value(portal.page.getByTestId('policy-scope')).toBe('global');
      // Someone else changes the global policy meanwhile: this page's save must not undo it.
      portal.expectStatus(412);
      const other = good.replace('x-from-portal', 'x-from-cli');
      const changed = await portal.t.admin('PUT', `${SERVICES}/pol-gw/policies/policy`, {
        properties: { format: 'rawxml', value: other },
      });
      expect(changed.status).toBe(200);
      await portal.page.getByTestId('policy-save').click();
      await text(portal.page.getByTestId('policy-message-error')).toContain(
        'Someone changed this policy since this page loaded it',
      );
      const kept = (await portal.t.admin('GET', `${SERVICES}/pol-gw/policies/policy`)).json<{
        properties: { value: string };
      }>();
      expect(kept.properties.value).toContain('x-from-cli');
      // An address no picker makes is not shown as the global scope (the unsaved edit given up).
      portal.page.once('dialog', (dialog) => void dialog.accept());
      await portal.page.evaluate("location.hash = '#/apim/pol-gw/policies/nosuch'");
      await text(portal.page.getByTestId('policy-error')).toContain(
        "The address names no policy scope ('nosuch')",
      );
      await portal.page.evaluate("location.hash = '#/apim/pol-gw/policies/global'");
      await value(portal.page.getByTestId('policy-xml')).toContain('x-from-cli');

      // The operation scope, chosen in the picker.
      await portal.page.getByTestId('policy-scope').selectOption('operation:orders:list');
      await visible(portal.page.getByTestId('policy-none')).toBe(true);
      await portal.page.getByTestId('policy-save').click();
      await text(portal.page.getByTestId('policy-message-success')).toContain('Saved');
      expect(
        (await portal.t.admin('GET', `${SERVICES}/pol-gw/apis/orders/operations/list/policies/policy`))
          .status,
      ).toBe(200);
      await portal.page.reload();
      await value(portal.page.getByTestId('policy-scope')).toBe('operation:orders:list');
      await count(portal.page.getByTestId('policy-none')).toBe(0);

      // The keyboard looks through the scopes without leaving the page; Enter moves to the one shown.
      const picker = portal.page.getByTestId('policy-scope');
      const here = await portal.page.evaluate('location.hash');
      await picker.focus();
      await picker.press('ArrowUp');
      await picker.press('ArrowUp');
      await value(picker).not.toBe('operation:orders:list');
      const chosen = await picker.inputValue();
      expect(await portal.page.evaluate('location.hash')).toBe(here);
      await picker.press('Enter');
      await portal.page.waitForFunction(`location.hash !== ${JSON.stringify(here)}`);
      await value(portal.page.getByTestId('policy-scope')).toBe(chosen);
    },
    FLOW_TIMEOUT,
  );

  it('gives each list tab an H2 under the page H1 that names its table, as the site tabs do', async () => {
    expect((await portal.t.admin('PUT', `${SERVICES}/heads-gw`, { properties: {} })).status).toBe(201);
    await portal.createSite('heads-site', 'Standard');
    const tabs = [
      ['#/sites/heads-site/apis', 'Backends', 'apis-list'],
      ['#/apim/heads-gw/apis', 'APIs', 'apim-apis-list'],
      ['#/apim/heads-gw/products', 'Products', 'products-list'],
      ['#/apim/heads-gw/subscriptions', 'Subscriptions', 'subscriptions-list'],
      ['#/apim/heads-gw/named-values', 'Named values', 'named-values-list'],
    ] as const;
    await portal.signIn(tabs[0][0]);
    for (const [hash, heading, list] of tabs) {
      await portal.page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      const region = portal.page.getByRole('region', { name: heading, exact: true });
      await visible(region.getByRole('heading', { level: 2, name: heading, exact: true })).toBe(true);
      await visible(region.getByTestId(list)).toBe(true);
      await count(portal.page.getByRole('heading', { level: 1 })).toBe(1);
    }
  });

  it(
    'adds and deletes the operations of an existing API on its page',
    async () => {
      expect((await portal.t.admin('PUT', `${SERVICES}/ops-gw`, { properties: {} })).status).toBe(201);
      expect(
        (
          await portal.t.admin('PUT', `${SERVICES}/ops-gw/apis/orders`, {
            properties: { path: 'orders', serviceUrl: backend.url },
          })
        ).status,
      ).toBe(201);
      await portal.signIn('#/apim/ops-gw/apis');
      await portal.page.getByTestId('api-link-orders').click();
      await visible(portal.page.getByTestId('operations-empty')).toBe(true);
      await portal.page.getByTestId('operation-method').selectOption('POST');
      await portal.page.getByTestId('operation-template').fill('items/{id}');
      await portal.page.getByTestId('operation-add').click();
      await text(portal.page.getByTestId('operations-message-error')).toContain('must start with /');
      await portal.page.getByTestId('operation-template').fill('/items/{id}');
      await portal.page.getByTestId('operation-add').click();
      await text(portal.page.getByTestId('operations-message-success')).toBe(
        'Added POST /items/{id} as post-items-id.',
      );
      await text(portal.page.getByTestId('api-row-orders').getByTestId('api-operations')).toBe(
        'POST /items/{id}',
      );
      const stored = await portal.t.admin('GET', `${SERVICES}/ops-gw/apis/orders/operations/post-items-id`);
      expect(stored.json<{ properties: { method: string; urlTemplate: string } }>().properties).toMatchObject(
        {
          method: 'POST',
          urlTemplate: '/items/{id}',
        },
      );
      // The gateway answers only what an operation matches: its method and template (APIM's 404 otherwise).
      const master = (
        await portal.t.admin('POST', `${SERVICES}/ops-gw/subscriptions/master/listSecrets`)
      ).json<{
        primaryKey: string;
      }>().primaryKey;
      const gateway = 'ops-gw.azure-api.portico.test';
      const key = { 'ocp-apim-subscription-key': master };
      expect((await portal.t.get(gateway, '/orders/items/7', { method: 'POST', headers: key })).status).toBe(
        200,
      );
      expect((await portal.t.get(gateway, '/orders/items/7', { headers: key })).status).toBe(404);

      // Settings change the API in place: a new URL suffix, the operations kept.
      await portal.page.getByTestId('api-settings-orders').click();
      await value(portal.page.getByTestId('api-settings-path')).toBe('orders');
      await portal.page.getByTestId('api-settings-path').fill('sales');
      await portal.page.getByTestId('api-settings-save').click();
      await text(portal.page.getByTestId('apim-apis-message-success')).toBe(
        'Saved the settings of the API orders.',
      );
      await text(portal.page.getByTestId('api-row-orders').getByTestId('api-path')).toBe('/sales');
      expect((await portal.t.get(gateway, '/sales/items/7', { method: 'POST', headers: key })).status).toBe(
        200,
      );
      await portal.page.getByTestId('api-settings-orders').click();
      await value(portal.page.getByTestId('api-settings-path')).toBe('sales');
      // The list's "Saved …" of the last save is gone once the form opens again.
      await count(portal.page.getByTestId('apim-apis-message-success')).toBe(0);
      // Someone changes the API while the form is open: saving would undo it, so nothing is saved.
      portal.expectStatus(412);
      const changed = await portal.t.admin('PATCH', `${SERVICES}/ops-gw/apis/orders`, {
        properties: { displayName: 'Orders (renamed elsewhere)' },
      });
      expect(changed.status, changed.text).toBe(200);
      await portal.page.getByTestId('api-settings-path').fill('orders');
      await portal.page.getByTestId('api-settings-save').click();
      await text(portal.page.getByTestId('api-settings-message-error')).toContain(
        'Someone changed it since this form opened it',
      );
      await portal.page.getByTestId('api-settings-cancel').click();
      await portal.page.getByTestId('api-settings-orders').click();
      await value(portal.page.getByTestId('api-settings-display-name')).toBe('Orders (renamed elsewhere)');
      await portal.page.getByTestId('api-settings-path').fill('orders');
      await portal.page.getByTestId('api-settings-save').click();
      await text(portal.page.getByTestId('api-row-orders').getByTestId('api-path')).toBe('/orders');

      await portal.page.getByTestId('operation-delete-post-items-id').click();
      await portal.page.getByTestId('confirm-ok').click();
      await text(portal.page.getByTestId('operations-message-success')).toBe(
        'Deleted the operation post-items-id.',
      );
      await visible(portal.page.getByTestId('operations-empty')).toBe(true);
      expect((await portal.t.get(gateway, '/orders/items/7', { method: 'POST', headers: key })).status).toBe(
        404,
      );
    },
    FLOW_TIMEOUT,
  );

  it(
    'refuses a second service of the same name and deletes a service after its name is typed',
    async () => {
      portal.expectStatus(409);
      expect((await portal.t.admin('PUT', `${SERVICES}/twice-gw`, { properties: {} })).status).toBe(201);
      await portal.signIn('#/apim');
      await portal.page.getByTestId('service-create-open').click();
      await portal.page.getByTestId('service-name').fill('twice-gw');
      await portal.page.getByTestId('service-access').selectOption('Disabled');
      await portal.page.getByTestId('service-create').click();
      await text(portal.page.getByTestId('service-create-message-error')).toBe(
        "An API Management service named 'twice-gw' exists already; pick another name.",
      );
      // The refused create changed nothing.
      const kept = (await portal.t.admin('GET', `${SERVICES}/twice-gw`)).json<{
        properties: { publicNetworkAccess: string };
      }>();
      expect(kept.properties.publicNetworkAccess).toBe('Enabled');

      await portal.page.getByTestId('service-link-twice-gw').click();
      await portal.page.getByTestId('service-delete').click();
      await portal.page.getByTestId('confirm-input').fill('twice-gw');
      await portal.page.getByTestId('confirm-ok').click();
      await text(portal.page.getByTestId('flash')).toBe('Deleted the API Management service twice-gw.');
      expect((await portal.t.admin('GET', `${SERVICES}/twice-gw`)).status).toBe(404);
    },
    FLOW_TIMEOUT,
  );

  it(
    'fits every API Management screen into 390 px without horizontal scrolling',
    async () => {
      portal.expectStatus(404);
      expect((await portal.t.admin('PUT', `${SERVICES}/narrow-gw`, { properties: {} })).status).toBe(201);
      await portal.t.admin('PUT', `${SERVICES}/narrow-gw/apis/a-rather-long-api-name`, {
        properties: {
          path: 'a/rather/long/path/suffix',
          serviceUrl: `${backend.url}/a/very/long/backend/path`,
        },
      });
      await portal.t.admin('PUT', `${SERVICES}/narrow-gw/products/starter`, {
        properties: { displayName: 'Starter product with a long name', state: 'published' },
      });
      // A display name of 200 characters without a space, and an operation with a long template.
      await portal.t.admin('PUT', `${SERVICES}/narrow-gw/products/unbroken`, {
        properties: { displayName: 'x'.repeat(200), state: 'published' },
      });
      await portal.t.admin('PUT', `${SERVICES}/narrow-gw/apis/a-rather-long-api-name/operations/long`, {
        properties: { method: 'GET', urlTemplate: `/${'segment'.repeat(60)}` },
      });
      await portal.resize(390, 844);
      await portal.signIn('#/apim');
      await visible(portal.page.getByTestId('services-table')).toBe(true);
      expect(await overflows()).toBe(false);
      for (const tab of ['overview', 'apis', 'products', 'subscriptions', 'named-values', 'policies']) {
        await portal.page.goto(`${portal.t.service.adminUrl}/#/apim/narrow-gw/${tab}`);
        await visible(portal.page.getByTestId(`panel-${tab}`)).toBe(true);
        await count(portal.page.getByTestId('loading')).toBe(0);
        expect(await overflows(), tab).toBe(false);
      }
      await portal.page.goto(`${portal.t.service.adminUrl}/#/apim/narrow-gw/apis/a-rather-long-api-name`);
      await visible(portal.page.getByTestId('api-detail')).toBe(true);
      expect(await overflows()).toBe(false);
      await portal.page.goto(`${portal.t.service.adminUrl}/#/apim/narrow-gw/products/starter`);
      await visible(portal.page.getByTestId('product-detail')).toBe(true);
      expect(await overflows()).toBe(false);
      await portal.page.goto(`${portal.t.service.adminUrl}/#/apim/narrow-gw/subscriptions`);
      await portal.page.getByTestId('subscription-show-master').click();
      await visible(portal.page.getByTestId('subscription-primary-key')).toBe(true);
      expect(await overflows()).toBe(false);
      // On a wide screen too, where tables are tables: the long name and template stay in their boxes.
      await portal.resize(1280, 900);
      await portal.page.goto(`${portal.t.service.adminUrl}/#/apim/narrow-gw/products`);
      await visible(portal.page.getByTestId('panel-products')).toBe(true);
      await count(portal.page.getByTestId('loading')).toBe(0);
      expect(await overflows(), 'products at 1280 px').toBe(false);
      await portal.page.goto(`${portal.t.service.adminUrl}/#/apim/narrow-gw/policies`);
      await visible(portal.page.getByTestId('policy-scope')).toBe(true);
      expect(await overflows(), 'policies at 1280 px').toBe(false);
    },
    FLOW_TIMEOUT,
  );
});
