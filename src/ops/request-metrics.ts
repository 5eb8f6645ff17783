/**
 * The two per-request metrics (requests by status class, latency histogram), kept in plain counters and
 * handed to prom-client only when scraped: prom-client hashes the label set on every `inc`/`observe`,
 * which costs more on the static path than serving the file's headers. A request here is three map
 * lookups, a bucket search and a few additions.
 */

import type { Registry } from 'prom-client';
import { innerMap } from '../shared/inner-map.js';
import { overlay } from '../shared/overlay.js';
import type { RequestLabels } from './metrics.js';

/** One label set's counts. */
interface Cell {
  readonly labels: RequestLabels;
  /** Requests by status class, index 1–5 (`1xx`…`5xx`); 0 for anything else. */
  readonly classes: number[];
  /** Observations per bucket (not cumulative), the last one past every bound. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

/** Counts requests and registers the two metrics on `registry`. */
export class RequestMetrics {
  readonly #bounds: readonly number[];
  readonly #cells = new Map<string, Map<string, Map<string, Cell>>>();

  constructor(registry: Registry, names: { requests: string; latency: string }, bounds: readonly number[]) {
    this.#bounds = bounds;
    const register = (metric: object) => registry.registerMetric(metric as never);
    register({
      name: names.requests,
      help: 'Requests served on the data-plane listener, by site, environment, kind and status class.',
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({ ...this.#describe(names.requests, 'counter'), values: this.#counterValues() }),
    });
    register({
      name: names.latency,
      help: 'Time from the request to the end of the response, by site, environment and kind.',
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({
        ...this.#describe(names.latency, 'histogram'),
        values: this.#histogramValues(names.latency),
      }),
    });
  }

  /** Counts one finished request. */
  observe(labels: RequestLabels, status: number, seconds: number): void {
    const cell = this.#cell(labels);
    const statusClass = Math.trunc(status / 100);
    const slot = statusClass >= 1 && statusClass <= 5 ? statusClass : 0;
    cell.classes[slot] = (cell.classes[slot] ?? 0) + 1;
    const bounds = this.#bounds;
    let index = 0;
    while (index < bounds.length && seconds > (bounds[index] as number)) {
      index += 1;
    }
    cell.buckets[index] = (cell.buckets[index] ?? 0) + 1;
    cell.sum += seconds;
    cell.count += 1;
  }

  #cell(labels: RequestLabels): Cell {
    const kinds = innerMap(innerMap(this.#cells, labels.site), labels.environment);
    let cell = kinds.get(labels.kind);
    if (cell === undefined) {
      cell = {
        labels: { site: labels.site, environment: labels.environment, kind: labels.kind },
        classes: [0, 0, 0, 0, 0, 0],
        buckets: new Array<number>(this.#bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      kinds.set(labels.kind, cell);
    }
    return cell;
  }

  *#allCells(): Generator<Cell> {
    for (const environments of this.#cells.values()) {
      for (const kinds of environments.values()) {
        yield* kinds.values();
      }
    }
  }

  #describe(name: string, type: string) {
    return { name, help: '', type, aggregator: 'sum' };
  }

  #counterValues(): Sample[] {
    const values: Sample[] = [];
    for (const cell of this.#allCells()) {
      cell.classes.forEach((value, index) => {
        if (value > 0) {
          values.push({
            labels: overlay(cell.labels, { status_class: index === 0 ? 'other' : `${index}xx` }),
            value,
          });
        }
      });
    }
    return values;
  }

  #histogramValues(name: string): Sample[] {
    const values: Sample[] = [];
    for (const cell of this.#allCells()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, index) => {
        cumulative += cell.buckets[index] ?? 0;
        values.push({
          labels: overlay(cell.labels, { le: bound }),
          value: cumulative,
          metricName: `${name}_bucket`,
        });
      });
      values.push(
        { labels: overlay(cell.labels, { le: '+Inf' }), value: cell.count, metricName: `${name}_bucket` },
        { labels: { ...cell.labels }, value: cell.sum, metricName: `${name}_sum` },
        { labels: { ...cell.labels }, value: cell.count, metricName: `${name}_count` },
      );
    }
    return values;
  }
}
