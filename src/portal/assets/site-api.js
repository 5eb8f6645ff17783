// @ts-check
/**
 * REST calls of the site screens that show what a deployment runs and where it is reachable: custom
 * domains, the functions of an environment's managed API, and the identity providers its config
 * registers (docs/rest-api.md). Same wrapper and errors as {@link import('./api.js').call}.
 */
import { ApiError, call, sitePath as site } from './api.js';

/** @param {string} name @param {string} domain */
function domain(name, domain) {
  return `${site(name)}/customDomains/${encodeURIComponent(domain)}`;
}

/**
 * True for the answer to a domain's `If-Match: *` PUT when the domain is gone (deleted since the list was
 * read, in another tab or with `portico domain delete`).
 * @param {unknown} error
 */
export function isGoneDomain(error) {
  return error instanceof ApiError && error.code === 'CONTROL_PRECONDITION_FAILED';
}

/** Calls named like the Azure operations they mirror. */
export const siteApi = {
  /** @param {string} name @returns {Promise<any[]>} */
  listCustomDomains: async (name) => (await call('GET', `${site(name)}/customDomains`)).value,
  /**
   * Adds a custom domain; validation starts at once.
   * @param {string} name @param {string} domainName @param {'cname-delegation' | 'dns-txt-token'} validationMethod
   */
  putCustomDomain: (name, domainName, validationMethod) =>
    call('PUT', domain(name, domainName), { body: { properties: { validationMethod } } }),
  /**
   * Validates a domain of the list again (the same PUT), only while it exists (`If-Match: *`): one
   * deleted since the list was read answers 412 {@link isGoneDomain} instead of being added back.
   * @param {string} name @param {string} domainName @param {'cname-delegation' | 'dns-txt-token'} validationMethod
   */
  revalidateCustomDomain: (name, domainName, validationMethod) =>
    call('PUT', domain(name, domainName), {
      body: { properties: { validationMethod } },
      headers: { 'if-match': '*' },
    }),
  /**
   * Makes a custom domain the site's default (`isDefault`, as `portico domain add --default`): the site's
   * other domains redirect to it once it is Ready. The PUT checks the domain again, the way it was
   * validated, and, as {@link siteApi.revalidateCustomDomain}, only while it exists.
   * @param {string} name @param {string} domainName @param {'cname-delegation' | 'dns-txt-token'} validationMethod
   */
  setDefaultCustomDomain: (name, domainName, validationMethod) =>
    call('PUT', domain(name, domainName), {
      body: { properties: { validationMethod, isDefault: true } },
      headers: { 'if-match': '*' },
    }),
  /**
   * Serves an uploaded certificate for the domain (as `portico domain cert set`) instead of one ordered
   * by ACME; the server checks that the key matches and the certificate names the domain.
   * @param {string} name @param {string} domainName @param {string} certificate PEM chain @param {string} privateKey PEM
   */
  setCustomDomainCertificate: (name, domainName, certificate, privateKey) =>
    call('PUT', `${domain(name, domainName)}/certificate`, {
      body: { properties: { certificate, privateKey } },
    }),
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
 * Overview shows as the URL, and its Invite form offers first). `problems` names, per domain, why a link
 * on it may not open: a domain whose certificate order failed and that has none.
 * @param {any} site the site resource
 * @returns {Promise<{ hosts: string[], preferred: string, problems: Map<string, string> }>}
 */
export async function resolveSiteHosts(site) {
  const generated = String(site.properties?.defaultHostname ?? '');
  const ready = (await siteApi.listCustomDomains(String(site.name))).filter(
    (/** @type {any} */ d) => d.properties?.status === 'Ready',
  );
  const preferred = ready.find((/** @type {any} */ d) => d.properties?.isDefault === true);
  /** @type {Map<string, string>} */
  const problems = new Map();
  for (const d of ready) {
    const p = d.properties ?? {};
    if (
      (p.certificate === null || p.certificate === undefined) &&
      typeof p.certificateError === 'string' &&
      p.certificateError !== ''
    ) {
      problems.set(String(d.name), 'no certificate: its order failed, see Custom domains');
    }
  }
  return {
    hosts: [generated, ...ready.map((/** @type {any} */ d) => String(d.name))],
    preferred: preferred === undefined ? generated : String(preferred.name),
    problems,
  };
}
