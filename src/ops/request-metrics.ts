/**
 * The two per-request metrics (requests by status class, latency histogram), kept in plain counters and
 * handed to prom-client only when scraped (`metric-cells.ts`): prom-client hashes the label set on every
 * `inc`/`observe`, which costs more on the static path than serving the file's headers. A request here
 * is three map lookups, a bucket search and a few additions.
 */

import { innerMap } from '../shared/inner-map.js';
import { overlay } from '../shared/overlay.js';
import type { Registry } from '../shared/prom-client.js';
import {
  type HistogramCell,
  histogramCell,
  observe,
  pushHistogram,
  registerComputed,
  type Sample,
} from './metric-cells.js';
import type { RequestLabels } from './metrics.js';

/** One label set's counts. */
interface Cell {
  readonly labels: RequestLabels;
  /** Requests by status class, index 1–5 (`1xx`…`5xx`); 0 for anything else. */
  readonly classes: number[];
  readonly latency: HistogramCell;
}

/** The names and help texts of the two metrics. */
export interface RequestMetricNames {
  readonly requests: { readonly name: string; readonly help: string };
  readonly latency: { readonly name: string; readonly help: string };
}

/** Counts requests and registers the two metrics on `registry`. */
export class RequestMetrics {
  readonly #bounds: readonly number[];
  readonly #cells = new Map<string, Map<string, Map<string, Cell>>>();

  constructor(registry: Registry, names: RequestMetricNames, bounds: readonly number[]) {
    this.#bounds = bounds;
    registerComputed(registry, { ...names.requests, type: 'counter' }, () => this.#counterValues());
    registerComputed(registry, { ...names.latency, type: 'histogram' }, () =>
      this.#histogramValues(names.latency.name),
    );
  }

  /** Counts one finished request. */
  observe(labels: RequestLabels, status: number, seconds: number): void {
    const cell = this.#cell(labels);
    const statusClass = Math.trunc(status / 100);
    const slot = statusClass >= 1 && statusClass <= 5 ? statusClass : 0;
    cell.classes[slot] = (cell.classes[slot] ?? 0) + 1;
    observe(cell.latency, this.#bounds, seconds);
  }

  /**
   * Drops the series of a site's environment (deleted, or the site deleted): without this they stay on
   * `/metrics` until the node restarts, and preview environments would grow the series count for ever.
   */
  forget(site: string, environment: string): void {
    const environments = this.#cells.get(site);
    environments?.delete(environment);
    if (environments?.size === 0) {
      this.#cells.delete(site);
    }
  }

  #cell(labels: RequestLabels): Cell {
    const kinds = innerMap(innerMap(this.#cells, labels.site), labels.environment);
    let cell = kinds.get(labels.kind);
    if (cell === undefined) {
      const own = { site: labels.site, environment: labels.environment, kind: labels.kind };
      cell = { labels: own, classes: [0, 0, 0, 0, 0, 0], latency: histogramCell(own, this.#bounds) };
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

  #counterValues(): Sample[] {
    const values: Sample[] = [];
    for (const cell of this.#allCells()) {
      cell.classes.forEach((value, index) => {
        if (value > 0) {
          const statusClass = index === 0 ? 'other' : `${index}xx`;
          values.push({ labels: overlay(cell.labels, { status_class: statusClass }), value });
        }
      });
    }
    return values;
  }

  #histogramValues(name: string): Sample[] {
    const values: Sample[] = [];
    for (const cell of this.#allCells()) {
      pushHistogram(values, name, cell.latency, this.#bounds);
    }
    return values;
  }
}
