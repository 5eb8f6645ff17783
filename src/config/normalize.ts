import { splitRoles, toStatusCode, withLeadingSlash } from './internal/lenient.js';
import type { RawConfig, RawResponseOverride, RawRouteRule } from './schema.js';
import type { RawAuth, RawIdentityProviders } from './schema-auth.js';
import type {
  AuthConfig,
  IdentityProviderKind,
  IdentityProviderSummary,
  NavigationFallback,
  NormalizedConfig,
  OverridableStatus,
  ResponseOverride,
  RouteRule,
} from './types.js';

/**
 * Step 4 of the pipeline (raw → validate → check → **normalize** → freeze): the valid raw file in the canonical
 * shapes of `types.ts`. Lenient forms (D9) become canonical values; nothing else changes meaning.
 */

type BuiltInProviderKey = Exclude<keyof RawIdentityProviders, 'customOpenIdConnectProviders'>;

/** Built-in providers in a fixed order, each with the name its `/.auth/login/<name>` URL uses. */
const BUILT_IN_PROVIDERS: readonly { key: BuiltInProviderKey; name: string }[] = [
  { key: 'azureActiveDirectory', name: 'aad' },
  { key: 'apple', name: 'apple' },
  { key: 'facebook', name: 'facebook' },
  { key: 'github', name: 'github' },
  { key: 'google', name: 'google' },
  { key: 'twitter', name: 'twitter' },
];

/** Copies `value` without its `undefined` properties, so absent settings are absent keys. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, child]) => child !== undefined)) as T;
}

/** Normalizes a raw config that passed validation and the checks. The result is not frozen yet. */
export function normalizeConfig(raw: RawConfig): NormalizedConfig {
  return compact({
    routes: (raw.routes ?? []).map(normalizeRouteRule),
    navigationFallback: raw.navigationFallback && normalizeNavigationFallback(raw.navigationFallback),
    responseOverrides: normalizeResponseOverrides(raw.responseOverrides ?? {}),
    globalHeaders: { ...raw.globalHeaders },
    mimeTypes: normalizeMimeTypes(raw.mimeTypes ?? {}),
    trailingSlash: raw.trailingSlash,
    networking: normalizeNetworking(raw.networking),
    forwardingGateway: raw.forwardingGateway && normalizeForwardingGateway(raw.forwardingGateway),
    auth: normalizeAuth(raw.auth ?? {}),
    platform: raw.platform && compact({ apiRuntime: raw.platform.apiRuntime }),
    standardOnlyFeatures: listStandardOnlyFeatures(raw),
  });
}

function normalizeRouteRule(rule: RawRouteRule, index: number): RouteRule {
  const roles = rule.allowedRoles === undefined ? [] : splitRoles(rule.allowedRoles);
  return compact({
    index,
    route: withLeadingSlash(rule.route),
    methods: rule.methods && [...rule.methods],
    rewrite: rule.rewrite === undefined ? undefined : withLeadingSlash(rule.rewrite),
    redirect: rule.redirect,
    statusCode: rule.statusCode === undefined ? undefined : toStatusCode(rule.statusCode),
    headers: rule.headers && { ...rule.headers },
    allowedRoles: roles.length === 0 ? undefined : roles,
  });
}

function normalizeNavigationFallback(
  fallback: NonNullable<RawConfig['navigationFallback']>,
): NavigationFallback {
  return {
    rewrite: withLeadingSlash(fallback.rewrite),
    exclude: (fallback.exclude ?? []).map(withLeadingSlash),
  };
}

function normalizeResponseOverrides(
  overrides: NonNullable<RawConfig['responseOverrides']>,
): Partial<Record<OverridableStatus, ResponseOverride>> {
  const entries = Object.entries(overrides) as [string, RawResponseOverride | undefined][];
  const normalized: Partial<Record<OverridableStatus, ResponseOverride>> = {};
  for (const [code, override] of entries) {
    if (override !== undefined) {
      normalized[Number(code) as OverridableStatus] = normalizeResponseOverride(override);
    }
  }
  return normalized;
}

function normalizeResponseOverride(override: RawResponseOverride): ResponseOverride {
  return compact({
    rewrite: override.rewrite === undefined ? undefined : withLeadingSlash(override.rewrite),
    redirect: override.redirect,
    statusCode: override.statusCode === undefined ? undefined : toStatusCode(override.statusCode),
  });
}

function normalizeMimeTypes(mimeTypes: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(mimeTypes).map(([extension, type]) => [extension.toLowerCase(), type]),
  );
}

/** An empty range list restricts nothing (the checks warn), so it normalizes to no networking at all. */
function normalizeNetworking(networking: RawConfig['networking']): NormalizedConfig['networking'] {
  const ranges = networking?.allowedIpRanges ?? [];
  return ranges.length === 0 ? undefined : { allowedIpRanges: [...ranges] };
}

function normalizeForwardingGateway(
  gateway: NonNullable<RawConfig['forwardingGateway']>,
): NormalizedConfig['forwardingGateway'] {
  return {
    allowedForwardedHosts: [...(gateway.allowedForwardedHosts ?? [])],
    requiredHeaders: { ...gateway.requiredHeaders },
  };
}

function normalizeAuth(auth: RawAuth): AuthConfig {
  return compact({
    rolesSource: auth.rolesSource,
    providers: summarizeProviders(auth.identityProviders ?? {}),
    identityProviders: auth.identityProviders,
  });
}

/** The custom registrations, built-in providers first in a fixed order, then OIDC providers in file order. */
function summarizeProviders(providers: RawIdentityProviders): IdentityProviderSummary[] {
  const builtIn = BUILT_IN_PROVIDERS.flatMap(({ key, name }) => {
    const provider = providers[key];
    return provider === undefined ? [] : [summarize(name, key, provider.enabled)];
  });
  const custom = Object.entries(providers.customOpenIdConnectProviders ?? {}).map(([name, provider]) =>
    summarize(name, 'customOpenIdConnect', provider.enabled),
  );
  return [...builtIn, ...custom];
}

function summarize(
  name: string,
  kind: IdentityProviderKind,
  enabled: boolean | undefined,
): IdentityProviderSummary {
  return { name, kind, enabled: enabled ?? true };
}

function listStandardOnlyFeatures(raw: RawConfig): string[] {
  const present = {
    networking: raw.networking !== undefined,
    forwardingGateway: raw.forwardingGateway !== undefined,
    'auth.identityProviders': raw.auth?.identityProviders !== undefined,
    'auth.rolesSource': raw.auth?.rolesSource !== undefined,
  };
  return Object.entries(present)
    .filter(([, used]) => used)
    .map(([feature]) => feature);
}
