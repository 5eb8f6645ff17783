/** Public surface of the control plane: its services' context, the management API, and what serving needs. */
export {
  type DeploymentFolders,
  materializeDeployment,
  pruneLocalDeployments,
  sweepUnusedContents,
} from './content.js';
export { type ControlContext, type SessionPrincipal, USERS_CHANGE_PREFIX } from './context.js';
export { type Deployment, failAbandonedUploads, readDeployment } from './deployments.js';
export { listServingEntries, type ServingEntry } from './environments.js';
export { PRODUCTION } from './names.js';
export { createManagementHandler, type ManagementHandlerOptions } from './rest/handler.js';
export { RESOURCE_GROUP, SUBSCRIPTION_ID } from './rest/resources.js';
export { createSealer, resolveServiceKey, type Sealer } from './sealing.js';
export { readSettings } from './settings.js';
export { createSite, findSite, getSite, type Site, type Sku } from './sites.js';
export {
  acceptInvitation,
  findInvitationProvider,
  identityKey,
  loadRoleDirectory,
  purgeUser,
  type RoleDirectory,
  type SiteUser,
} from './users.js';
