/** The typed client of Portico's management REST API (docs/rest-api.md), used by the CLI and the portal. */

export {
  type ClosedEnvironment,
  createDeployClient,
  type DeployClient,
  type DeployClientOptions,
} from './deploy.js';
export {
  type CustomDomainInput,
  type CustomDomainResource,
  createDomainClient,
  type DomainClient,
} from './domains.js';
export {
  type FileBody,
  formatServerError,
  type HttpMethod,
  type HttpTarget,
  type RequestOptions,
  request,
  serverErrorCode,
} from './http.js';
export {
  buildName,
  createManagementClient,
  environmentName,
  type ManagementClient,
  type ManagementClientOptions,
  PRODUCTION,
  RESOURCE_GROUP,
  SITES_PATH,
  SUBSCRIPTION_ID,
  sitePath,
} from './management.js';
export {
  apiExclusions,
  nestedFolder,
  type PackedFolder,
  type PackOptions,
  packDirectory,
  SITE_CONFIG_FILE,
  withFile,
} from './pack.js';
export type * from './types.js';
