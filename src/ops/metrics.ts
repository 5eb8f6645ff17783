/**
 * The Prometheus metrics of `portico serve` (prom-client, one registry per service). Requests are
 * counted by the listener wrapper ({@link Metrics.observeRequest}); everything else arrives as events on
 * `node:diagnostics_channel` (src/shared/events.ts). Labels are bounded: no paths, no users.
 */
import { subscribeEvent } from '../shared/events.js';
import { Counter, collectDefaultMetrics, Gauge, Registry } from '../shared/prom-client.js';
import { porticoVersion } from '../shared/version.js';
import { joinClusterMetrics } from './cluster-metrics.js';
import { LabelledCounter, LabelledHistogram } from './metric-cells.js';
import { RequestMetrics } from './request-metrics.js';

/** The kinds of request the data plane serves. */
export type RequestKind = 'static' | 'api' | 'auth' | 'gateway';

/** What a request is counted by; `site` and `environment` are empty for hosts no site serves. */
export interface RequestLabels {
  readonly site: string;
  readonly environment: string;
  readonly kind: RequestKind;
}

/** The metrics of one service. */
export interface Metrics {
  /** Counts one finished request and its duration. */
  observeRequest(labels: RequestLabels, status: number, seconds: number): void;
  /** Drops every series labelled with this site's environment (it was deleted). */
  forgetEnvironment(site: string, environment: string): void;
  /** Drops the gateway series of a deleted API Management service, or of its deleted API or product. */
  forgetGateway(gone: GatewayGone): void;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
  /** Stops listening to events. */
  close(): void;
}

/** A deleted API Management service (`service` alone), or an API or a product it no longer has. */
export type GatewayGone = {
  readonly service: string;
  readonly api?: string;
  readonly product?: string;
};

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const REQUEST_METRICS = {
  requests: {
    name: 'portico_http_requests_total',
    help: 'Requests served on the data-plane listener, by site, environment, kind and status class.',
  },
  latency: {
    name: 'portico_http_request_duration_seconds',
    help: 'Time from the request to the end of the response, by site, environment and kind.',
  },
};

/** What the metrics read of the node at each scrape. */
export interface NodeState {
  /** Site environments with a live deployment that the node cannot serve now (they answer 503). */
  readonly unservableEnvironments: () => number;
}

/** Creates the registry, its metrics and the event subscriptions; `state` adds the node's gauges. */
export function createMetrics(state?: NodeState): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portico_' });
  const requests = new RequestMetrics(registry, REQUEST_METRICS, LATENCY_BUCKETS);
  registerBuildInfo(registry);
  if (state !== undefined) {
    registerStateGauges(registry, state);
  }
  const gateway = new LabelledCounter(
    registry,
    {
      name: 'portico_gateway_calls_total',
      help: 'Gateway calls by service, API, product and status (401, 403 and 429 exact, others by class).',
    },
    ['service', 'api', 'product', 'status'],
  );
  const unsubscribe = [
    ...subscribeApiMetrics(registry),
    ...subscribeOtherMetrics(registry),
    subscribeEvent('gatewayCall', (event) =>
      gateway.inc(event.service, event.api, event.product, gatewayStatus(event.status)),
    ),
  ];
  const renderNode = joinClusterMetrics(registry);
  return {
    observeRequest: (labels, status, seconds) => requests.observe(labels, status, seconds),
    forgetEnvironment: (site, environment) => requests.forget(site, environment),
    forgetGateway(gone) {
      gateway.forget(gone);
      if (gone.api === undefined && gone.product === undefined) {
        // A gateway's requests are counted as the service's name with no environment (no site has none).
        requests.forget(gone.service, '');
      }
    },
    render: () => (renderNode === undefined ? registry.metrics() : renderNode()),
    contentType: registry.contentType,
    close() {
      for (const stop of unsubscribe) {
        stop();
      }
      registry.clear();
    },
  };
}

/**
 * `portico_build_info{version="0.1.0+5a7eb20"} 1`: which build a node runs, so a rolling upgrade's
 * progress shows in the scrapes (every worker of a node runs the same build: the first one's answer).
 */
function registerBuildInfo(registry: Registry): void {
  new Gauge({
    name: 'portico_build_info',
    help: 'The version of Portico this node runs (package version, then + and the commit it was built from), as a label; the value is always 1.',
    labelNames: ['version'],
    registers: [registry],
    aggregator: 'first',
  }).set({ version: porticoVersion() }, 1);
}

/**
 * Gauges read from the node when scraped. With `--workers`, each worker has its own host table and they
 * agree, so the node's value is the largest of theirs (a sum would count each environment once per worker).
 */
function registerStateGauges(registry: Registry, state: NodeState): void {
  new Gauge({
    name: 'portico_environments_unservable',
    help: "Site environments with a live deployment that this node cannot serve now: they answer 503, and the log says why on lines starting 'cannot serve <host>'.",
    registers: [registry],
    aggregator: 'max',
    collect() {
      this.set(state.unservableEnvironments());
    },
  });
}

/** The usual classes as constant strings: the same string each call, hashed once as a map key. */
const STATUS_CLASSES: readonly string[] = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** `2xx`…`5xx`. */
function statusClass(status: number): string {
  const digit = Math.trunc(status / 100);
  return STATUS_CLASSES[digit] ?? `${digit}xx`;
}

function subscribeApiMetrics(registry: Registry): (() => void)[] {
  const backendLatency = new LabelledHistogram(
    registry,
    {
      name: 'portico_api_backend_duration_seconds',
      help: 'Time of /api calls through the edge proxy, by outcome (ok, timeout, unreachable, aborted).',
    },
    'outcome',
    LATENCY_BUCKETS,
  );
  const failures = new Counter({
    name: 'portico_api_backend_failures_total',
    help: '/api calls the backend failed: timeout (answered 500) or unreachable (answered 502).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'portico_api_in_flight',
    help: '/api calls (managed functions or linked backends) in progress.',
    registers: [registry],
  });
  for (const reason of ['timeout', 'unreachable']) {
    failures.inc({ reason }, 0);
  }
  return [
    subscribeEvent('apiCall', (event) => {
      if (event.phase === 'start') {
        inFlight.inc();
        return;
      }
      inFlight.dec();
      backendLatency.observe(event.outcome, event.seconds);
      if (event.outcome === 'timeout' || event.outcome === 'unreachable') {
        failures.inc({ reason: event.outcome });
      }
    }),
  ];
}

function subscribeOtherMetrics(registry: Registry): (() => void)[] {
  const counter = (name: string, help: string, labelNames: readonly string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const functions = {
    'cold-start': counter('portico_functions_cold_starts_total', 'Managed functions workers started cold.'),
    restart: counter('portico_functions_restarts_total', 'Managed functions workers restarted.'),
    crash: counter('portico_functions_crashes_total', 'Managed functions workers that crashed or hung.'),
  };
  const deploys = counter('portico_deploys_total', 'Deployments by outcome.', ['outcome']);
  const storeErrors = counter(
    'portico_rate_limit_store_errors_total',
    'Failures of the rate-limit and quota store.',
    ['store'],
  );
  for (const outcome of ['succeeded', 'failed']) {
    deploys.inc({ outcome }, 0);
  }
  return [
    subscribeEvent('functions', (event) => functions[event.event].inc()),
    subscribeEvent('deploy', (event) => deploys.inc({ outcome: event.outcome })),
    subscribeEvent('counterStoreError', (event) => storeErrors.inc({ store: event.store })),
  ];
}

/** 401, 403 and 429 are what operators watch on a gateway; the rest by class. */
function gatewayStatus(status: number): string {
  return status === 401 || status === 403 || status === 429 ? String(status) : statusClass(status);
}
