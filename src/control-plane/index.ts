/** Public surface of the control plane: its services' context, the management API, and what serving needs. */

export {
  APIM_CHANGE_PREFIX,
  type ApimSnapshot,
  DEFAULT_KEY_HEADER,
  listApimServices,
  loadApimSnapshot,
  MASTER_SUBSCRIPTION,
} from './apim/index.js';
export {
  APP_CHANGE_PREFIX,
  type BackendApp,
  findBackendAppById,
  followServiceAddress,
  linkedEnvironments,
  listFunctionApps,
  type ResolvedLink,
  readFunctionContent,
  resolveLink,
  tokenIssuer,
} from './backends/index.js';
export { failInterruptedCommits } from './commit-markers.js';
export {
  type DeploymentFolders,
  materializeDeployment,
  materializeWithSharedApi,
  pruneLocalDeployments,
  sweepUnusedContents,
} from './content.js';
export { type ApiCheck, type ControlContext, type SessionPrincipal, USERS_CHANGE_PREFIX } from './context.js';
export { type Deployment, expireUploads, readDeployment } from './deployments.js';
export {
  type CustomDomain,
  clearCertificateAttempt,
  createDomainDns,
  DOMAINS_CHANGE_PREFIX,
  type DomainDns,
  deleteOrphanCertificates,
  findAcmeChallenge,
  listCertificateWork,
  listServedDomains,
  markCertificateAttempt,
  putAcmeChallenge,
  REVALIDATE_MS,
  readCertificates,
  recordCertificateFailure,
  releaseLease,
  removeAcmeChallenge,
  resolveAcmeAccountKey,
  revalidateDomains,
  type ServedDomain,
  type StoredCertificate,
  saveCertificate,
  tryLease,
} from './domains/index.js';
export { listServingEntries, type ServingEntry } from './environments.js';
export { type SignedInAccount, userIdOfAccount } from './identity-subjects.js';
export { installStartupNotes } from './install-facts.js';
export { PRODUCTION } from './names.js';
export { createManagementHandler, type ManagementHandlerOptions } from './rest/handler.js';
export { RESOURCE_GROUP, SUBSCRIPTION_ID } from './rest/resources.js';
export { createSealer, type Sealer, serviceKeyFromSecret } from './sealing.js';
export { resolveServiceId } from './service-id.js';
export {
  isKeyOf,
  keyVerifier,
  readStoredKeyState,
  recordServiceKey,
  type StoredKeyState,
  sealsAnyUnder,
} from './service-key.js';
export { loadSignedOutSessions, recordSignOut, sessionScope } from './sessions.js';
export { readSettings } from './settings.js';
export {
  KEYS_CHANGE_PREFIX,
  loadSiteKeys,
  rotateSigningKey,
  type SigningKey,
  type SiteKeys,
  TOKEN_LIFETIME_SECONDS,
} from './signing-keys.js';
export type { DeployedFunction, FunctionsInspector } from './site-functions.js';
export { createSite, findSite, getSite, type Site, type Sku } from './sites.js';
export { recordTraffic } from './traffic/index.js';
export { UPLOAD_CHECK_INTERVAL_MS, UPLOAD_EXPIRY_MS } from './uploads.js';
export {
  acceptInvitation,
  findInvitationProvider,
  identityKey,
  loadForgottenUserIds,
  loadRoleDirectory,
  purgeUser,
  type RoleDirectory,
  type SiteUser,
  userIdFor,
} from './users.js';
