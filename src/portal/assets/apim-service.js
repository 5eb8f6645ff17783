// @ts-check
/**
 * The page of one API Management service: breadcrumb, name, and the blades Azure's portal has for it
 * (Overview, APIs, Products, Subscriptions, Named values, Policies) as tabs addressed by the location
 * hash (`#/apim/<service>/<tab>[/<arg>]`).
 */

import { networkLabel } from './apim.js';
import { apim, linkKey, resolveLinkedSites } from './apim-api.js';
import { renderApimApis } from './apim-apis.js';
import { renderNamedValues } from './apim-named-values.js';
import { renderPolicies } from './apim-policies.js';
import { renderProducts } from './apim-products.js';
import { renderSubscriptions } from './apim-subscriptions.js';
import { confirmDialog } from './dialog.js';
import {
  button,
  createMessageArea,
  errorNotice,
  externalLink,
  h,
  loading,
  messageOf,
  replace,
  time,
} from './dom.js';
import { renderGatewayTraffic } from './gateway-traffic.js';
import { renderTabbedPage } from './tabbed-page.js';

/**
 * @typedef {{ name: string, tab: string, arg: string | undefined }} ServiceRoute
 * @typedef {{
 *   service: any,
 *   route: ServiceRoute,
 *   app: import('./portal.js').App,
 *   reload: () => void,
 * }} ServiceView
 */

/** The blades of a service page, in the Azure portal's order (the first shown when a route names none). */
const TABS = [
  { id: 'overview', label: 'Overview', render: renderServiceOverview },
  { id: 'apis', label: 'APIs', render: renderApimApis },
  { id: 'products', label: 'Products', render: renderProducts },
  { id: 'subscriptions', label: 'Subscriptions', render: renderSubscriptions },
  { id: 'named-values', label: 'Named values', render: renderNamedValues },
  { id: 'policies', label: 'Policies', render: renderPolicies },
  { id: 'traffic', label: 'Metrics', render: renderServiceTraffic },
];

/**
 * The Metrics blade: the gateway's calls per API (`gateway-traffic.js`, decision 0032).
 * @param {HTMLElement} container
 * @param {ServiceView} view
 */
function renderServiceTraffic(container, view) {
  return renderGatewayTraffic(container, view.route.name);
}

/** The tab ids a route may name. */
export const SERVICE_TABS = TABS.map((tab) => tab.id);

/**
 * @param {HTMLElement} main
 * @param {ServiceRoute} route
 * @param {import('./portal.js').App} app
 */
export function renderService(main, route, app) {
  return renderTabbedPage(
    main,
    {
      tabs: TABS,
      current: route.tab,
      name: route.name,
      kind: 'service',
      parent: { href: '#/apim', testid: 'breadcrumb-services', text: 'API Management services' },
      hrefOf: (tab) => `#/apim/${encodeURIComponent(route.name)}/${tab}`,
      load: async () => ({
        service: await apim.getService(route.name),
        route,
        app,
        reload: () => void renderService(main, route, app),
      }),
    },
    (label) => app.setTitle(label, route.name, 'API Management'),
  );
}

/**
 * Overview: the gateway URL, network, creation time, the static web apps linked to the service, and
 * Delete (refused by the API while a site is linked, with its message).
 * @param {HTMLElement} body
 * @param {ServiceView} view
 */
async function renderServiceOverview(body, view) {
  const p = view.service.properties ?? {};
  const name = String(view.service.name);
  const messages = createMessageArea('service-message');
  const linked = h('div', { testid: 'service-linked' }, loading('Looking for linked static web apps…'));
  const remove = button('Delete', 'service-delete', { variant: 'danger' });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Delete ${name}?`,
      message: 'Its APIs, products, subscriptions, named values and policies are deleted with it.',
      confirmLabel: 'Delete',
      danger: true,
      typeToConfirm: name,
    });
    if (!confirmed) {
      return;
    }
    try {
      await apim.deleteService(name);
      view.app.flash(`Deleted the API Management service ${name}.`);
      view.app.navigate('#/apim');
    } catch (error) {
      messages.show(messageOf(error));
    }
  });
  replace(
    body,
    h('div', { class: 'toolbar' }, remove),
    messages.element,
    h(
      'dl',
      { class: 'essentials', testid: 'service-essentials' },
      h('dt', { text: 'Gateway URL' }),
      h('dd', {}, externalLink(String(p.gatewayUrl ?? ''), 'service-gateway-url')),
      h('dt', { text: 'Gateway host name' }),
      h('dd', { class: 'mono', text: String(p.gatewayHostname ?? '') }),
      h('dt', { text: 'Network' }),
      h('dd', { testid: 'service-network', text: networkLabel(p) }),
      h('dt', { text: 'Created' }),
      h('dd', {}, time(p.createdAtUtc)),
    ),
    h('h2', { text: 'Linked static web apps' }),
    linked,
  );
  try {
    const links = (await resolveLinkedSites()).get(linkKey('apim', name)) ?? [];
    replace(linked, linkedList(links, 'service-linked-list'));
  } catch (error) {
    replace(linked, errorNotice(messageOf(error), 'service-linked-error'));
  }
}

/**
 * The site environments linked to a backend, each a link to that site's APIs tab.
 * @param {{ site: string, environment: string, status: string }[]} links
 * @param {string} testid
 */
export function linkedList(links, testid) {
  if (links.length === 0) {
    return h('p', { class: 'empty', testid: `${testid}-empty`, text: 'Not linked to any static web app.' });
  }
  return h(
    'ul',
    { class: 'linked-list', testid },
    links.map((link) =>
      h(
        'li',
        {},
        h('a', {
          href: `#/sites/${encodeURIComponent(link.site)}/apis`,
          text: `${link.site} (${link.environment})`,
        }),
        link.status === 'Healthy' ? null : h('span', { class: 'badge badge-failed', text: link.status }),
      ),
    ),
  );
}
