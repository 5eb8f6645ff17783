/** Limits and fixed names of `staticwebapp.config.json` (learn.microsoft.com/azure/static-web-apps/configuration). */

/** The config file name Azure looks for. */
export const CONFIG_FILE_NAME = 'staticwebapp.config.json';

/** The deprecated predecessor of the config file, which Azure ignores when the config file exists. */
export const LEGACY_ROUTES_FILE_NAME = 'routes.json';

/** Azure refuses config files over 20 KB ("Restrictions" in the configuration docs). */
export const MAX_CONFIG_BYTES = 20 * 1024;

/** Azure allows at most 50 distinct roles in one config file. */
export const MAX_DISTINCT_ROLES = 50;

/** `networking.allowedIpRanges` holds at most 25 entries (quotas.md). */
export const MAX_ALLOWED_IP_RANGES = 25;

/** The only status codes `responseOverrides` may override (emulator `OVERRIDABLE_ERROR_CODES`). */
export const OVERRIDABLE_STATUS_KEYS = ['400', '401', '403', '404'] as const;

/**
 * URL names of the providers every app has when it registers none of its own (spec §2.1); any custom
 * registration in `auth.identityProviders` disables them all.
 */
export const PRECONFIGURED_PROVIDERS: readonly string[] = Object.freeze(['github', 'aad']);

/** Roles every user has; they do not count towards {@link MAX_DISTINCT_ROLES}. */
export const BUILT_IN_ROLES: readonly string[] = ['anonymous', 'authenticated'];

/**
 * Every `platform.apiRuntime` value Azure has documented (the 2023 docs include, the live page and the SWA CLI
 * schema of Feb 2026). Other values get a warning, not an error, because Azure adds runtimes over time.
 */
export const KNOWN_API_RUNTIMES = [
  'dotnet:3.1',
  'dotnet:6.0',
  'dotnet:8.0',
  'dotnet-isolated:6.0',
  'dotnet-isolated:7.0',
  'dotnet-isolated:8.0',
  'dotnet-isolated:9.0',
  'node:12',
  'node:14',
  'node:16',
  'node:18',
  'node:20',
  'node:22',
  'python:3.8',
  'python:3.9',
  'python:3.10',
  'python:3.11',
] as const;

/**
 * Top-level keys that Azure documents but Portico does not implement, with the reason shown to the user.
 * They are accepted with a warning instead of failing validation (D9). None are known today.
 */
export const UNIMPLEMENTED_TOP_LEVEL_KEYS: Readonly<Record<string, string>> = Object.freeze({});

/** Names the URL of a preconfigured or custom-registrable provider already uses under `/.auth/login/`. */
export const RESERVED_PROVIDER_NAMES: readonly string[] = [
  'aad',
  'apple',
  'facebook',
  'github',
  'google',
  'twitter',
];
