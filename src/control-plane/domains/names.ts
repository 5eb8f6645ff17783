/**
 * Custom domain names: normalised (lower case, no trailing dot) and checked as Azure checks them. No
 * wildcards, no IP addresses, no Unicode or Punycode (`xn--`) names (spec §7: Azure does not support
 * them), nothing under the service's own `--domain`. Lookups still fold a Unicode spelling to Punycode,
 * so a domain stored before such names were refused can be shown, checked again and deleted either way
 * (`checkDomainRequest` in service.ts lets a stored row through).
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { PorticoError } from '../../shared/errors.js';

/** The prefix of the change names that make every node reload its custom domains (`domains:<name>`). */
export const DOMAINS_CHANGE_PREFIX = 'domains:';

/** The two ways Azure validates a custom domain. */
export type ValidationMethod = 'cname-delegation' | 'dns-txt-token';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The canonical form of `name`, or a clear error saying what is wrong with it. */
export function normalizeDomainName(name: string, serviceDomain: string): string {
  const raw = name.trim().replace(/\.$/, '');
  const invalid = (why: string) =>
    new PorticoError('CONTROL_DOMAIN_NAME_INVALID', `The custom domain '${name}' is invalid: ${why}.`);
  if (raw.includes('*')) {
    throw invalid(
      'wildcard domains are not supported (as in Azure); add each host name, e.g. www.example.com',
    );
  }
  if (isIP(raw.replace(/^\[|\]$/g, '')) !== 0) {
    throw invalid('an IP address is not a domain; use a host name whose DNS points at the site');
  }
  if (isInternationalized(raw)) {
    throw invalid(
      'Unicode and Punycode (xn--) domain names are not supported (as in Azure); use a name of ASCII letters, digits and hyphens, such as www.example.com',
    );
  }
  const ascii = domainToASCII(raw.toLowerCase());
  const labels = ascii.split('.');
  if (ascii === '' || ascii.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l))) {
    throw invalid(
      'use a fully qualified host name such as www.example.com (letters, digits and hyphens, labels of 1–63 characters)',
    );
  }
  if (ascii === serviceDomain || ascii.endsWith(`.${serviceDomain}`)) {
    throw invalid(`names under ${serviceDomain} are the service's own host names, not custom domains`);
  }
  return ascii;
}

/** True for a name with a character outside ASCII, or a label in Punycode (`xn--…`, any case). */
function isInternationalized(name: string): boolean {
  return /[^\p{ASCII}]/u.test(name) || name.split('.').some((label) => /^xn--/i.test(label));
}

/**
 * The stored spelling of a domain name to look up (lower case, ASCII: `bücher.example` is
 * `xn--bcher-kva.example`, no final dot), or the name as given when it is no valid name at all.
 */
export function lookupDomainName(name: string): string {
  const raw = name.trim().toLowerCase().replace(/\.$/, '');
  return domainToASCII(raw) || raw;
}

/** True for a name without a subdomain label (`example.com`): it cannot hold a CNAME record. */
export function isApexDomain(name: string): boolean {
  return name.split('.').length === 2;
}

/** Parses `validationMethod`; the default is Azure's: CNAME for subdomains, TXT for apex domains. */
export function parseValidationMethod(value: unknown, domain: string): ValidationMethod {
  if (value === undefined || value === null || value === '') {
    return isApexDomain(domain) ? 'dns-txt-token' : 'cname-delegation';
  }
  if (value !== 'cname-delegation' && value !== 'dns-txt-token') {
    throw new PorticoError(
      'CONTROL_DOMAIN_METHOD_INVALID',
      `The validationMethod '${String(value)}' is unknown: use cname-delegation (subdomains) or dns-txt-token (apex domains or subdomains).`,
    );
  }
  if (value === 'cname-delegation' && isApexDomain(domain)) {
    throw new PorticoError(
      'CONTROL_DOMAIN_METHOD_INVALID',
      `${domain} is an apex domain, which cannot hold a CNAME record: validate it with a TXT record at _dnsauth.${domain} instead (validationMethod dns-txt-token; portico domain add --validation-method dns-txt-token, the default for an apex).`,
    );
  }
  return value;
}
