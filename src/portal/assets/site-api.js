// @ts-check
/**
 * REST calls of the site screens that show what a deployment runs and where it is reachable: custom
 * domains, the functions of an environment's managed API, and the identity providers its config
 * registers (docs/rest-api.md). Same wrapper and errors as {@link import('./api.js').call}.
 */
import { call, sitePath as site } from './api.js';

/** @param {string} name @param {string} domain */
function domain(name, domain) {
  return `${site(name)}/customDomains/${encodeURIComponent(domain)}`;
}

/** Calls named like the Azure operations they mirror. */
export const siteApi = {
  /** @param {string} name @returns {Promise<any[]>} */
  listCustomDomains: async (name) => (await call('GET', `${site(name)}/customDomains`)).value,
  /**
   * Adds a custom domain, or validates it again (the same call); validation starts at once.
   * @param {string} name @param {string} domainName @param {'cname-delegation' | 'dns-txt-token'} validationMethod
   */
  putCustomDomain: (name, domainName, validationMethod) =>
    call('PUT', domain(name, domainName), { body: { properties: { validationMethod } } }),
  /**
   * Makes a custom domain the site's default (`isDefault`, as `portico domain add --default`): the site's
   * other domains redirect to it once it is Ready. The PUT checks the domain again, the way it was
   * validated.
   * @param {string} name @param {string} domainName @param {'cname-delegation' | 'dns-txt-token'} validationMethod
   */
  setDefaultCustomDomain: (name, domainName, validationMethod) =>
    call('PUT', domain(name, domainName), { body: { properties: { validationMethod, isDefault: true } } }),
  /** @param {string} name @param {string} domainName */
  deleteCustomDomain: (name, domainName) => call('DELETE', domain(name, domainName)),
  /** @param {string} name @param {string} buildName @returns {Promise<any[]>} */
  listBuildFunctions: async (name, buildName) =>
    (await call('GET', `${site(name)}/builds/${encodeURIComponent(buildName)}/functions`)).value,
  /** @param {string} name @param {string} buildName @returns {Promise<any[]>} */
  listIdentityProviders: async (name, buildName) =>
    (await call('GET', `${site(name)}/builds/${encodeURIComponent(buildName)}/identityProviders`)).value,
};

/**
 * The host names a site's production answers visitors at: its generated host name, then its Ready
 * custom domains; `preferred` is the Ready default domain, else the generated host name (what Azure's
 * Overview shows as the URL, and its Invite form offers first).
 * @param {any} site the site resource
 * @returns {Promise<{ hosts: string[], preferred: string }>}
 */
export async function resolveSiteHosts(site) {
  const generated = String(site.properties?.defaultHostname ?? '');
  const ready = (await siteApi.listCustomDomains(String(site.name))).filter(
    (/** @type {any} */ d) => d.properties?.status === 'Ready',
  );
  const preferred = ready.find((/** @type {any} */ d) => d.properties?.isDefault === true);
  return {
    hosts: [generated, ...ready.map((/** @type {any} */ d) => String(d.name))],
    preferred: preferred === undefined ? generated : String(preferred.name),
  };
}
