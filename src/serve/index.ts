/** Public surface of `portico serve`'s composition root. */

export type { PreconfiguredProviders } from '../edge/index.js';
export type { AcmeOptions } from './certificates.js';
export { runClusterPrimary, WORKER_BANNER_ENV, WORKER_READY_MESSAGE } from './cluster-primary.js';
export type { HttpsOptions } from './https.js';
export { SERVICE_KEY_FILE } from './key-file.js';
export { ADMIN_TOKEN_FILE } from './secrets.js';
export { type PublicOrigin, type ServeOptions, type Service, startService } from './service.js';
export { checkTrustedProxy } from './trusted-proxies.js';
