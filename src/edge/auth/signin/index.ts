/** Real sign-in (`portico serve`): providers from config and operator, the code flow, the principal. */
export {
  createSignInFlows,
  FLOW_COOKIE,
  FLOW_MAX_AGE_SECONDS,
  type SignInFlowOptions,
  type SignInFlows,
} from './flows.js';
export {
  type PreconfiguredProviders,
  type ProviderRegistration,
  resolveProviders,
  type SiteProviders,
} from './registrations.js';
export {
  callbackUrlOf,
  createSiteSignIn,
  type RolesSourceInput,
  type SignInAnswer,
  type SiteSignIn,
  type SiteSignInOptions,
} from './site.js';
