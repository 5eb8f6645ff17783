/** The API Management gateway data plane: public surface. */
export { type KnownKey, subscriptionKeyDigest } from './access.js';
export { createMemoryCounterStore, createRedisCounterStore } from './counters/index.js';
export { createForwarder, type Forwarder } from './forward.js';
export {
  createGatewayHandler,
  createGatewayPipeline,
  GATEWAY_UPGRADE_REFUSAL,
  type GatewayHandler,
  type GatewayHandlerOptions,
  type GatewayInbound,
  type GatewayPipeline,
  sendFailure,
} from './handler.js';
export { createJwtValidator, fetchJsonDocument } from './jwt/index.js';
export { decodePathSegment, foldApiPath, foldUrlTemplate } from './matching.js';
export { type CompiledService, compileService, type GatewayServiceConfig } from './service.js';
export type * from './types.js';
export { GatewayFailure } from './types.js';
