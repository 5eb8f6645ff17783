// @ts-check
/**
 * The page of one static web app: breadcrumb, name, and the sections Azure's portal has for it
 * (Overview, Environments, APIs, Configuration, Role management, Custom domains, Functions, Identity
 * providers, Metrics) as tabs addressed by the location hash.
 */
import { api } from './api.js';
import { renderApis } from './apis.js';
import { renderConfiguration } from './configuration.js';
import { errorNotice, h, loading, messageOf, replace } from './dom.js';
import { renderDomains } from './domains.js';
import { renderEnvironments } from './environments.js';
import { renderFunctions } from './functions.js';
import { renderIdentityProviders } from './identity-providers.js';
import { renderMetrics } from './metrics.js';
import { renderOverview } from './overview.js';
import { renderRoles } from './roles.js';

/** The first section, shown when a route names none or an unknown one. */
const OVERVIEW = { id: 'overview', label: 'Overview', render: renderOverview };

/** The sections of a site page, in order, with their labels and renderers. */
const TABS = [
  OVERVIEW,
  { id: 'environments', label: 'Environments', render: renderEnvironments },
  { id: 'apis', label: 'APIs', render: renderApis },
  { id: 'configuration', label: 'Configuration', render: renderConfiguration },
  { id: 'roles', label: 'Role management', render: renderRoles },
  { id: 'domains', label: 'Custom domains', render: renderDomains },
  { id: 'functions', label: 'Functions', render: renderFunctions },
  { id: 'identity', label: 'Identity providers', render: renderIdentityProviders },
  { id: 'metrics', label: 'Metrics', render: renderMetrics },
];

/** The tab ids a route may name. */
export const SITE_TABS = TABS.map((tab) => tab.id);

/**
 * @typedef {{ name: string, tab: string, arg: string | undefined }} SiteRoute
 * @typedef {{
 *   site: any,
 *   route: SiteRoute,
 *   app: import('./portal.js').App,
 *   reload: () => void,
 * }} SiteView
 */

/**
 * @param {HTMLElement} main
 * @param {SiteRoute} route
 * @param {import('./portal.js').App} app
 */
export async function renderSite(main, route, app) {
  const tab = TABS.find((t) => t.id === route.tab) ?? OVERVIEW;
  app.setTitle(tab.label, route.name);
  const body = h('section', {
    class: 'tab-panel',
    testid: `panel-${tab.id}`,
    'aria-labelledby': `tab-${tab.id}`,
  });
  replace(
    main,
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
      h('a', { href: '#/', testid: 'breadcrumb-sites', text: 'Static Web Apps' }),
      ' › ',
      h('span', { 'aria-current': 'page', text: route.name }),
    ),
    h('h1', { testid: 'site-title', text: route.name }),
    tabBar(route.name, tab.id),
    body,
  );
  replace(body, loading());
  let site;
  try {
    site = await api.getSite(route.name);
  } catch (error) {
    replace(body, errorNotice(messageOf(error), 'site-error'));
    return;
  }
  const view = { site, route, app, reload: () => void renderSite(main, route, app) };
  await tab.render(body, view);
}

/**
 * @param {string} name
 * @param {string} current
 */
function tabBar(name, current) {
  return h(
    'nav',
    { class: 'tabs', 'aria-label': 'Site sections' },
    h(
      'ul',
      {},
      TABS.map((tab) =>
        h(
          'li',
          {},
          h('a', {
            href: `#/sites/${encodeURIComponent(name)}/${tab.id}`,
            id: `tab-${tab.id}`,
            testid: `tab-${tab.id}`,
            'aria-current': tab.id === current ? 'page' : undefined,
            text: tab.label,
          }),
        ),
      ),
    ),
  );
}
