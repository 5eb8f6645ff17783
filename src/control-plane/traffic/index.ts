/** The traffic history of sites and gateway services (decision 0032). */
export { parseTrafficWindow, TRAFFIC_RETENTION_MS, TRAFFIC_WINDOWS, type TrafficWindow } from './series.js';
export {
  type ApiTraffic,
  type EnvironmentTraffic,
  pruneTraffic,
  readServiceTraffic,
  readSiteTraffic,
  recordTraffic,
  type ServiceTraffic,
  type SiteTraffic,
} from './store.js';
