/**
 * Domain validation as Azure does it: `cname-delegation` wants a CNAME from the domain to the site's
 * generated host name, `dns-txt-token` wants the site's token in a TXT record at `_dnsauth.<domain>`.
 * A wrong record fails at once (with what was found); a missing one keeps the domain validating until the
 * validation window ends; an unanswered lookup changes nothing.
 */
import type { DnsAnswer, DomainDns } from './dns.js';
import type { ValidationMethod } from './names.js';

/** What one check concluded. */
export type CheckOutcome =
  | { readonly result: 'valid' }
  | { readonly result: 'wrong' | 'missing' | 'unknown'; readonly reason: string };

/** What a check needs to know about the domain. */
export interface DomainToCheck {
  readonly domainName: string;
  readonly validationMethod: ValidationMethod;
  readonly validationToken: string;
  /** The site's generated production host name, the CNAME target. */
  readonly target: string;
}

/** Looks the domain's records up and judges them. */
export async function checkDomain(dns: DomainDns, domain: DomainToCheck): Promise<CheckOutcome> {
  if (domain.validationMethod === 'cname-delegation') {
    return judgeCname(await dns.cname(domain.domainName), domain);
  }
  return judgeTxt(await dns.txt(`_dnsauth.${domain.domainName}`), domain);
}

function judgeCname(answer: DnsAnswer, domain: DomainToCheck): CheckOutcome {
  const record = `${domain.domainName} CNAME ${domain.target}`;
  if (answer.kind === 'unknown') {
    return {
      result: 'unknown',
      reason: `the CNAME lookup of ${domain.domainName} failed (${answer.reason})`,
    };
  }
  if (answer.kind === 'none') {
    return { result: 'missing', reason: `${domain.domainName} has no CNAME record yet: add ${record}` };
  }
  if (answer.values.includes(domain.target)) {
    return { result: 'valid' };
  }
  return {
    result: 'wrong',
    reason: `${domain.domainName} is a CNAME of ${answer.values.join(', ')}, not of this site: change the record to ${record}`,
  };
}

function judgeTxt(answer: DnsAnswer, domain: DomainToCheck): CheckOutcome {
  const name = `_dnsauth.${domain.domainName}`;
  const record = `${name} TXT "${domain.validationToken}"`;
  if (answer.kind === 'unknown') {
    return { result: 'unknown', reason: `the TXT lookup of ${name} failed (${answer.reason})` };
  }
  if (answer.kind === 'none') {
    return { result: 'missing', reason: `${name} has no TXT record yet: add ${record}` };
  }
  if (answer.values.includes(domain.validationToken)) {
    return { result: 'valid' };
  }
  return {
    result: 'wrong',
    reason: `the TXT record at ${name} does not hold this site's validation token: set ${record}`,
  };
}
