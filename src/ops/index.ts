/**
 * The operations plane of `portico serve`: Prometheus metrics fed by the planes' diagnostics-channel
 * events, the JSON access log, readiness checks, the admin port's `/healthz`, `/readyz`, `/metrics`,
 * and the per-minute traffic history of the portal's charts.
 */
export { type AccessLog, type AccessLogOptions, openAccessLog } from './access-log.js';
export { createOpsRoutes, type OpsRoutes, type OpsRoutesOptions } from './admin-routes.js';
export { serveClusterMetrics } from './cluster-metrics.js';
export { type DegradingCheck, probeReadiness, type Readiness, type ReadinessCheck } from './health.js';
export {
  type InstrumentOptions,
  instrumentListener,
  REQUEST_ID_HEADER,
  type RequestClassifier,
} from './instrument.js';
export {
  createMetrics,
  type GatewayGone,
  type Metrics,
  type RequestKind,
  type RequestLabels,
} from './metrics.js';
export {
  createTrafficRecorder,
  type TrafficRecorder,
  type TrafficRecorderOptions,
  type TrafficSink,
} from './traffic.js';
