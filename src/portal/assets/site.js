// @ts-check
/**
 * The page of one static web app: breadcrumb, name, and the sections Azure's portal has for it
 * (Overview, Environments, APIs, Configuration, Role management, Custom domains, Functions, Identity
 * providers, Metrics) as tabs addressed by the location hash.
 */
import { api } from './api.js';
import { renderApis } from './apis.js';
import { renderConfiguration } from './configuration.js';
import { renderDomains } from './domains.js';
import { renderEnvironments } from './environments.js';
import { renderFunctions } from './functions.js';
import { renderIdentityProviders } from './identity-providers.js';
import { renderMetrics } from './metrics.js';
import { renderOverview } from './overview.js';
import { renderRoles } from './roles.js';
import { renderTabbedPage } from './tabbed-page.js';

/** The sections of a site page, in order (the first shown when a route names none or an unknown one). */
const TABS = [
  { id: 'overview', label: 'Overview', render: renderOverview },
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
export function renderSite(main, route, app) {
  return renderTabbedPage(
    main,
    {
      tabs: TABS,
      current: route.tab,
      name: route.name,
      kind: 'site',
      parent: { href: '#/', testid: 'breadcrumb-sites', text: 'Static Web Apps' },
      hrefOf: (tab) => `#/sites/${encodeURIComponent(route.name)}/${tab}`,
      load: async () => ({
        site: await api.getSite(route.name),
        route,
        app,
        reload: () => void renderSite(main, route, app),
      }),
    },
    (label) => app.setTitle(label, route.name),
  );
}
