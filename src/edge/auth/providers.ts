/**
 * Which identity providers `/.auth/login/<provider>` accepts for an app.
 *
 * @see spec/swa-behaviour.md §2.1: `github` and `aad` are preconfigured and enabled by default; any
 * custom registration in `auth.identityProviders` disables all preconfigured providers.
 */
import { PRECONFIGURED_PROVIDERS } from '../../config/constants.js';
import type { AuthConfig } from '../../config/types.js';

export { PRECONFIGURED_PROVIDERS };

/**
 * A predicate telling whether a provider URL name (`github`, `aad`, a custom OIDC name) is enabled.
 * Names are compared exactly as they appear in the URL.
 *
 * @example
 * createProviderFilter({ providers: [] })('github') // true
 * createProviderFilter({ providers: [{ name: 'okta', kind: 'customOpenIdConnect', enabled: true }] })('github') // false
 */
export function createProviderFilter(auth: AuthConfig): (name: string) => boolean {
  const names =
    auth.providers.length === 0
      ? PRECONFIGURED_PROVIDERS
      : auth.providers.filter((provider) => provider.enabled).map((provider) => provider.name);
  const enabled = new Set(names);
  return (name) => enabled.has(name);
}
