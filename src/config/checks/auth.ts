import { RESERVED_PROVIDER_NAMES } from '../constants.js';
import { createError, createWarning } from '../internal/diagnostics.js';
import type { JsonPath } from '../internal/json-path.js';
import type { RawAuth } from '../schema-auth.js';
import type { Diagnostic } from '../types.js';

/** Checks of `auth` beyond the schema (learn.microsoft.com/azure/static-web-apps/authentication-custom). */

type OpenIdConnectProviders = NonNullable<
  NonNullable<RawAuth['identityProviders']>['customOpenIdConnectProviders']
>;
type OpenIdConnectConfiguration =
  OpenIdConnectProviders[string]['registration']['openIdConnectConfiguration'];

const ENDPOINT_KEYS = ['authorizationEndpoint', 'tokenEndpoint', 'issuer', 'certificationUri'] as const;

/** Checks the roles function and the custom OpenID Connect providers. */
export function checkAuth(auth: RawAuth): Diagnostic[] {
  const providers = auth.identityProviders?.customOpenIdConnectProviders ?? {};
  return [
    ...checkRolesSource(auth),
    ...Object.entries(providers).flatMap(([name, provider]) =>
      checkOpenIdConnectProvider(
        ['auth', 'identityProviders', 'customOpenIdConnectProviders', name],
        name,
        provider,
      ),
    ),
  ];
}

function checkRolesSource(auth: RawAuth): Diagnostic[] {
  if (auth.rolesSource === undefined || auth.identityProviders !== undefined) {
    return [];
  }
  return [
    createWarning(
      ['auth', 'rolesSource'],
      'needs custom authentication: Azure calls the roles function only when auth.identityProviders ' +
        'registers a provider; add one or remove rolesSource',
    ),
  ];
}

function checkOpenIdConnectProvider(
  path: JsonPath,
  name: string,
  provider: OpenIdConnectProviders[string],
): Diagnostic[] {
  const configurationPath = [...path, 'registration', 'openIdConnectConfiguration'];
  return [
    ...checkProviderName(path, name),
    ...checkOpenIdConnectConfiguration(configurationPath, provider.registration.openIdConnectConfiguration),
  ];
}

function checkProviderName(path: JsonPath, name: string): Diagnostic[] {
  if (!RESERVED_PROVIDER_NAMES.includes(name.toLowerCase())) {
    return [];
  }
  return [
    createError(path, `"${name}" is already the sign-in URL of a built-in provider; choose another name`),
  ];
}

function checkOpenIdConnectConfiguration(
  path: JsonPath,
  configuration: OpenIdConnectConfiguration,
): Diagnostic[] {
  if (configuration.wellKnownOpenIdConfiguration !== undefined) {
    return [];
  }
  const missing = ENDPOINT_KEYS.filter((key) => configuration[key] === undefined);
  if (missing.length === 0) {
    return [];
  }
  return [
    createError(
      path,
      `needs wellKnownOpenIdConfiguration, or every endpoint; add wellKnownOpenIdConfiguration or ${missing.join(', ')}`,
    ),
  ];
}
