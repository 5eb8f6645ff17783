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
    const address = literalAddressOf(url);
    if (address === undefined || nonPublicAddress(address) === undefined || isAllowed(address)) {
      return [];
    }
    return [
      `${name} names ${address}, which sign-in does not reach: identity providers are reached at public addresses only. If this provider is your own, start portico serve with ${flag} ${address}.`,
    ];
  });
}

/** The address a URL's host is written as (`localhost` as 127.0.0.1), or undefined for a name. */
function literalAddressOf(url: string | undefined): string | undefined {
  if (url === undefined || !URL.canParse(url)) {
    return undefined;
  }
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (host.toLowerCase() === 'localhost') {
    return '127.0.0.1';
  }
  return isIP(host) === 0 ? undefined : host;
}
