/** The edge's `/api` reverse proxy: public surface. */

export { createResponseHeaders, createUpstreamHeaders } from './_headers.js';
export { describeUnavailable, sendProxyError } from './_replies.js';
export {
  checkProxyRequest,
  createApiProxy,
  createRequestId,
  DEFAULT_API_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
} from './api-proxy.js';
export type {
  ApiProxy,
  ApiProxyOptions,
  InternalApiRequest,
  InternalApiResponse,
  ProxyTarget,
  UpstreamDispatcher,
} from './types.js';
export { refuseUpgrade, type UpgradeRefusal } from './upgrade.js';
