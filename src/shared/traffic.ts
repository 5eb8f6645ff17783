/**
 * The rows of the traffic history (decision 0032): written by the operations plane's recorder
 * (`ops/traffic.ts`) and stored and read by the control plane (`control-plane/traffic/`), which `serve/`
 * joins. Only names an operator created label them, never paths or users.
 */

/** What a site environment served in one minute (or part of it) on one node. */
export interface SiteTrafficRow {
  readonly site: string;
  readonly environment: string;
  /** Start of the minute, ISO-8601. */
  readonly minute: string;
  readonly requests: number;
  readonly status4xx: number;
  readonly status5xx: number;
  /** Requests per latency bucket, by the bucket's upper bound in ms (`inf` past the last); zeros left out. */
  readonly latencyMs: Readonly<Record<string, number>>;
}

/** What a gateway API answered in one minute (or part of it) on one node; `api` empty when none matched. */
export interface GatewayTrafficRow {
  readonly service: string;
  readonly api: string;
  readonly minute: string;
  readonly calls: number;
  readonly status401: number;
  readonly status403: number;
  readonly status429: number;
  readonly status5xx: number;
}

/** What a node counted since its previous write. */
export interface TrafficBatch {
  readonly sites: readonly SiteTrafficRow[];
  readonly gateway: readonly GatewayTrafficRow[];
}

/**
 * Upper bounds of the latency buckets, in ms. Rows name buckets by their bound, so a later change of
 * bounds leaves older rows readable; one more bucket ({@link TRAFFIC_OVERFLOW_BUCKET}) holds the rest.
 */
export const TRAFFIC_LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
];

/** The key of the latency bucket past every bound. */
export const TRAFFIC_OVERFLOW_BUCKET = 'inf';
