/**
 * The one import of prom-client in Portico: the metrics of `portico serve` take their registry, counters,
 * gauges, default metrics and the cluster's aggregating registry from here. prom-client and its two
 * dependencies are 37 CommonJS modules, and it loads the OpenTelemetry API (51 more) at its top level;
 * Node took about 52 ms to load them at each `portico serve` start, and each cluster worker's. The build
 * bundles this module with the parts it names into one file (`scripts/bundle-vendor.js`, decision 0043),
 * which loads in about 26 ms. Tests run against prom-client itself through the same names.
 */

export { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
