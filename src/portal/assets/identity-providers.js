// @ts-check
/**
 * Identity providers of an environment: those the active deployment's `auth.identityProviders`
 * registers, each with the app settings its registration names and whether the environment has them
 * (names only: the API never returns a value). With none registered, the service's preconfigured
 * providers apply, as in Azure.
 */
import { h, table } from './dom.js';
import { renderEnvironmentTab } from './environment-picker.js';
import { siteApi } from './site-api.js';

/** Azure's names of the provider kinds. */
const KIND_LABELS = /** @type {Record<string, string>} */ ({
  azureActiveDirectory: 'Microsoft Entra ID',
  apple: 'Apple',
  facebook: 'Facebook',
  github: 'GitHub',
  google: 'Google',
  twitter: 'X (Twitter)',
  customOpenIdConnect: 'OpenID Connect',
});

/**
 * @param {HTMLElement} body
 * @param {import('./site.js').SiteView} view
 */
export function renderIdentityProviders(body, view) {
  return renderEnvironmentTab(body, view, {
    name: 'providers',
    loadingText: 'Loading identity providers…',
    load: async (_builds, buildName) =>
      providersPanel(view, buildName, await siteApi.listIdentityProviders(view.site.name, buildName)),
  });
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {string} buildName
 * @param {any[]} providers
 */
function providersPanel(view, buildName, providers) {
  const settingsLink = h('a', {
    href: `#/sites/${encodeURIComponent(view.site.name)}/configuration/${encodeURIComponent(buildName)}`,
    text: 'Configuration',
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'providers-title' },
    h('h2', { id: 'providers-title', text: 'Identity providers' }),
    providers.length === 0
      ? h('p', {
          class: 'empty',
          testid: 'providers-empty',
          text: 'The active configuration registers no identity providers (auth.identityProviders), so the preconfigured GitHub and Microsoft Entra ID sign-in apply, as the service operator set them up.',
        })
      : h(
          'div',
          {},
          h(
            'p',
            { class: 'hint' },
            'Secrets are app settings of this environment; add a missing one in ',
            settingsLink,
            '.',
          ),
          table({
            caption: 'Identity providers the configuration registers',
            headers: ['Provider', 'Kind', 'State', 'App settings'],
            testid: 'providers-table',
            rows: providers.map(providerRow),
          }),
        ),
  );
}

/** @param {any} provider */
function providerRow(provider) {
  const p = provider.properties ?? {};
  const settings = Array.isArray(p.settings) ? p.settings : [];
  const state =
    p.enabled === false
      ? { text: 'Disabled', badge: 'badge' }
      : p.settingsComplete === true
        ? { text: 'Ready', badge: 'badge badge-succeeded' }
        : { text: 'Settings missing', badge: 'badge badge-failed' };
  return h(
    'tr',
    { testid: `provider-row-${provider.name}` },
    h('th', { scope: 'row', class: 'mono', text: `/.auth/login/${provider.name}` }),
    h('td', { text: KIND_LABELS[String(p.kind)] ?? String(p.kind) }),
    h('td', {}, h('span', { class: state.badge, testid: 'provider-state', text: state.text })),
    h(
      'td',
      {},
      h(
        'ul',
        { class: 'setting-list' },
        settings.map((/** @type {any} */ s) =>
          h(
            'li',
            { testid: `provider-setting-${s.name}`, title: s.path },
            h('span', { class: 'mono', text: s.name }),
            ' ',
            h('span', {
              class: s.present ? 'badge badge-succeeded' : 'badge badge-failed',
              testid: 'setting-presence',
              text: s.present ? 'Present' : 'Missing',
            }),
          ),
        ),
      ),
    ),
  );
}
