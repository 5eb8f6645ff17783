export {
  ANONYMOUS_ROLE,
  AUTH_COOKIE_NAME,
  AUTH_NOT_FOUND_TEXT,
  AUTHENTICATED_ROLE,
  MAX_LOGIN_BODY_BYTES,
} from './constants.js';
export { createDevSessionCodec, decodeDevCookieValue, type SessionCodec } from './cookie.js';
export {
  AUTH_COOKIE_CHUNK_SIZE,
  AUTH_COOKIE_MAX_CHUNKS,
  AUTH_COOKIE_MAX_VALUE_LENGTH,
  clearAuthCookies,
  parseCookieHeader,
  readAuthCookieValue,
  serializeAuthCookies,
} from './cookie-header.js';
export { AUTH_UNAVAILABLE_TEXT, type AuthRequestContext, handleAuthRequest } from './handler.js';
export { type LoginFormOptions, type LoginFormValues, renderLoginForm } from './login-form.js';
export {
  deriveUserId,
  encodePrincipalHeader,
  matchRoles,
  normalizePrincipal,
  type PrincipalParseResult,
  parsePrincipal,
  type RoleMatch,
} from './principal.js';
export { createProviderFilter, PRECONFIGURED_PROVIDERS } from './providers.js';
export { type RedirectContext, resolveSafeRedirect } from './redirect.js';
export { addRolesFromSource, callRolesSource } from './roles-source.js';
export { type AuthRoute, matchAuthRoute } from './routes.js';
export {
  createSealedSessionCodec,
  SESSION_MAX_AGE_SECONDS,
  type SealedSessionOptions,
  sealValue,
} from './sealed-cookie.js';
export {
  createSignInFlows,
  createSiteSignIn,
  type PreconfiguredProviders,
  type RolesSourceInput,
  resolveProviders,
  type SignInAnswer,
  type SignInFlows,
  type SiteSignIn,
} from './signin/index.js';
