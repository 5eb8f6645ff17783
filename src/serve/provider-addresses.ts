/**
 * A start-up warning for the operator's own preconfigured providers (`PORTICO_AAD_ISSUER`,
 * `PORTICO_GITHUB_URL`, `PORTICO_GITHUB_API_URL`) written with an address sign-in will not reach: the
 * first sign-in would otherwise be the first to say so (decision 0092). Only addresses and `localhost`
 * are checked: a name's addresses are known when it is looked up, at sign-in.
 */
import { isIP } from 'node:net';
import type { PreconfiguredProviders } from '../edge/index.js';
import { createAddressMatcher } from '../shared/address-blocks.js';
import { nonPublicAddress } from '../shared/address-ranges.js';

/** The warnings for `providers` given the `--identity-provider-address` entries `allowed`. */
export function providerAddressWarnings(
  providers: PreconfiguredProviders,
  allowed: readonly string[],
  flag: string,
): string[] {
  const isAllowed = createAddressMatcher(allowed);
  const urls: [string, string | undefined][] = [
    ['PORTICO_AAD_ISSUER', providers.aad?.issuer],
    ['PORTICO_GITHUB_URL', providers.githubUrl],
    ['PORTICO_GITHUB_API_URL', providers.githubApiUrl],
  ];
  return urls.flatMap(([name, url]) => {
    const addresses = literalAddressesOf(url);
    const refused = addresses.filter(
      (address) => nonPublicAddress(address) !== undefined && !isAllowed(address),
    );
    if (refused.length === 0 || refused.length < addresses.length) {
      return [];
    }
    const host = url === undefined ? '' : new URL(url).hostname;
    const written = host === refused[0] ? host : `${host} (${refused.join(', ')})`;
    return [
      `${name} names ${written}, which sign-in does not reach: identity providers are reached at public addresses only. If this provider is your own, start portico serve with ${flag} ${refused.join(',')}.`,
    ];
  });
}

/** The addresses a URL's host is written as (`localhost` as both loopbacks), or none for a name. */
function literalAddressesOf(url: string | undefined): string[] {
  if (url === undefined || !URL.canParse(url)) {
    return [];
  }
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (host.toLowerCase() === 'localhost') {
    return ['127.0.0.1', '::1'];
  }
  return isIP(host) === 0 ? [] : [host];
}
