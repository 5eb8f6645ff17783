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
  /** @param {string} name @param {string} domainName */
  deleteCustomDomain: (name, domainName) => call('DELETE', domain(name, domainName)),
  /** @param {string} name @param {string} buildName @returns {Promise<any[]>} */
  listBuildFunctions: async (name, buildName) =>
    (await call('GET', `${site(name)}/builds/${encodeURIComponent(buildName)}/functions`)).value,
  /** @param {string} name @param {string} buildName @returns {Promise<any[]>} */
  listIdentityProviders: async (name, buildName) =>
    (await call('GET', `${site(name)}/builds/${encodeURIComponent(buildName)}/identityProviders`)).value,
};
