// @ts-check
/**
 * Functions of an environment's managed API, as Azure's "Functions" list: name, route (under /api),
 * methods and authorization level, from the worker that loaded the active deployment's API. An API that
 * does not load shows the API's reason; a linked backend or no API lists none, and says so.
 */
import { h } from './dom.js';
import { renderEnvironmentTab } from './environment-picker.js';
import { listTable } from './list-area.js';
import { siteApi } from './site-api.js';

/**
 * @param {HTMLElement} body
 * @param {import('./site.js').SiteView} view
 */
export function renderFunctions(body, view) {
  return renderEnvironmentTab(body, view, {
    name: 'functions',
    loadingText: 'Loading functions (this starts the API if it is not running)…',
    load: async (builds, buildName) =>
      functionsPanel(
        builds.find((b) => b.name === buildName),
        await siteApi.listBuildFunctions(view.site.name, buildName),
      ),
  });
}

/**
 * @param {any} build
 * @param {any[]} functions
 */
function functionsPanel(build, functions) {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'functions-title' },
    h('h2', { id: 'functions-title', text: 'Functions' }),
    listTable('functions', functions, {
      caption: 'Functions of the active deployment',
      headers: ['Name', 'Route', 'Methods', 'Authorization level'],
      row: functionRow,
      empty: emptyText(build),
    }),
  );
}

/** @param {any} build */
function emptyText(build) {
  if (build?.properties?.activeDeploymentId === null || build?.properties?.activeDeploymentId === undefined) {
    return 'Nothing is deployed to this environment yet.';
  }
  if (build?.properties?.hasManagedApi !== true) {
    return 'This environment runs no managed functions: its deployment has no API, or its /api goes to a linked backend (see APIs).';
  }
  return 'The API registers no HTTP functions.';
}

/** @param {any} fn */
function functionRow(fn) {
  const p = fn.properties ?? {};
  const methods = Array.isArray(p.methods) ? p.methods.join(', ') : 'All';
  return h(
    'tr',
    { testid: `function-row-${fn.name}` },
    h('th', { scope: 'row', testid: 'function-name', text: String(p.functionName ?? fn.name) }),
    h('td', { class: 'mono', testid: 'function-route', text: `/api/${String(p.route ?? '')}` }),
    h('td', { testid: 'function-methods', text: methods }),
    h('td', { testid: 'function-auth', text: String(p.authLevel ?? '') }),
  );
}
