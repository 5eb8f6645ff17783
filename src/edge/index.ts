/** Public surface of the edge (the data plane of static web apps). */
export {
  callRolesSource,
  createDevSessionCodec,
  createProviderFilter,
  createSealedSessionCodec,
  createSignInFlows,
  createSiteSignIn,
  type PreconfiguredProviders,
  type RolesSourceInput,
  resolveProviders,
  type SessionCodec,
  type SignInFlows,
  type SiteSignIn,
  sealValue,
} from './auth/index.js';
export { isAuthority, type PrincipalListener } from './context.js';
export {
  createDevServerSource,
  type DevServerSource,
  type DevServerSourceOptions,
} from './devserver/index.js';
export {
  ALLOW_ALL_HOSTS,
  createHostCheck,
  type HostCheck,
  type HostCheckOptions,
  isOwnHost,
} from './host-check.js';
export { createEdgeHandler, type EdgeHandlerOptions } from './pipeline.js';
export {
  type ApiProxy,
  checkProxyRequest,
  createApiProxy,
  createRequestId,
  createUpstreamHeaders,
  DEFAULT_MAX_BODY_BYTES,
  describeUnavailable,
  type InternalApiRequest,
  type InternalApiResponse,
  type ProxyTarget,
  refuseUpgrade,
  sendProxyError,
  type UpgradeRefusal,
} from './proxy/index.js';
export { answerRequestHead } from './request-head.js';
export { parseRequestTarget, type RequestTarget } from './request-target.js';
export { compileSiteRules, type SiteRules } from './routing/index.js';
export {
  closeServer,
  createEdgeServer,
  createSecureEdgeServer,
  listen,
  type TlsCertificate,
} from './server.js';
export type {
  EdgeSite,
  EdgeStateProvider,
  InvitationOutcome,
  MissingSite,
  RetiredFile,
  SiteIdentity,
  SiteRulesState,
  SiteTokens,
} from './site.js';
export { createCaseHint, createDirectorySource, type DirectorySource } from './static/index.js';
export type { ClientPrincipal, FileSource, StaticFile } from './types.js';
export { createEdgeUpgradeHandler } from './upgrade.js';
