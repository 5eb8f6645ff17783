export {
  CONFIG_FILE_NAME,
  LEGACY_ROUTES_FILE_NAME,
  MAX_CONFIG_BYTES,
  PRECONFIGURED_PROVIDERS,
} from './constants.js';
export { type FormatDiagnosticsOptions, formatDiagnostics } from './format.js';
export { createConfigJsonSchema } from './json-schema.js';
export { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load.js';
export { parseConfigText } from './parse.js';
export {
  missingProviderSettings,
  type ProviderSetting,
  providerSettings,
  registrationSettings,
} from './provider-settings.js';
export {
  compileRoutePattern,
  isMatchablePattern,
  type PathMatcher,
  parseExtensionFilter,
  parseRoutePattern,
  type RoutePattern,
} from './route-pattern.js';
export { type RawConfig, type RawRouteRule, routeRuleSchema, staticWebAppConfigSchema } from './schema.js';
export { PROVIDER_URL_ERROR, PROVIDER_URL_ERROR_SERVE } from './schema-auth.js';
export * from './types.js';
