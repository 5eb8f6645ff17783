/** Backend apps and linked backends of the control plane. */

export { linkedEnvironments } from '../resource-links.js';
export {
  APP_CHANGE_PREFIX,
  type BackendApp,
  type BackendAppKind,
  deleteBackendApp,
  findBackendAppById,
  getBackendApp,
  kindLabel,
  listBackendApps,
  listFunctionApps,
  namespaceOf,
  putBackendApp,
  webKindOf,
} from './apps.js';
export { checkDeploymentForLink, isPullRequestEnvironment } from './constraints.js';
export {
  missingFunctionContent,
  parseFunctionContent,
  readFunctionContent,
  setFunctionContent,
  uploadFunctionContent,
} from './function-content.js';
export { tokenIssuer } from './gateway-link.js';
export { type LinkRequest, validateLink } from './link-checks.js';
export {
  BACKEND_TYPES,
  type BackendType,
  type FollowedAddress,
  followServiceAddress,
  getLink,
  type LinkView,
  linkBackend,
  listLinks,
  type MovedLink,
  type ResolvedLink,
  repairLink,
  resolveLink,
  unlinkBackend,
} from './links.js';
