/** Real sign-in (`portico serve`): providers from config and operator, the code flow, the principal. */
export { createSignInFlows, type SignInFlows } from './flows.js';
export { type PreconfiguredProviders, resolveProviders } from './registrations.js';
export {
  createSiteSignIn,
  type RolesSourceInput,
  type SignInAnswer,
  type SiteSignIn,
} from './site.js';
