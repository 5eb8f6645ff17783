/**
 * The traffic history behind the portal's charts (decision 0032). Prometheus counters say what happened
 * since a process started; the portal wants the last hour and day of every node. So each process counts
 * per minute in memory (requests, 4xx and 5xx, latency buckets per site and environment; gateway calls
 * per service and API with 401, 403, 429 and 5xx) and hands what it counted to a sink (the database, in
 * `serve/`) once a minute. Rows only add up: a node writes what it counted since its last write, so
 * several workers and nodes, and an early write before a read, never overwrite each other.
 * Labels are bounded as for the metrics: names an operator created, never paths or users.
 */

import { subscribeEvent } from '../shared/events.js';
import { innerMap } from '../shared/inner-map.js';
import {
  type GatewayTrafficRow,
  type SiteTrafficRow,
  TRAFFIC_LATENCY_BOUNDS_MS,
  TRAFFIC_OVERFLOW_BUCKET,
  type TrafficBatch,
} from '../shared/traffic.js';
import type { RequestLabels } from './metrics.js';

/** Where batches go (the database, composed by `serve/`). */
export type TrafficSink = (batch: TrafficBatch) => Promise<void>;

/** Options of {@link createTrafficRecorder}. */
export interface TrafficRecorderOptions {
  readonly sink: TrafficSink;
  /** Told when a write fails (the rows are kept for the next write, up to a bound). */
  readonly onError: (error: unknown) => void;
  /** The wall clock in ms (default `Date.now`); tests move it. */
  readonly now?: () => number;
  /**
   * The clock of {@link TrafficRecorder.observeRequest}'s `endedAt`, in ms (default `performance.now`;
   * `now` when only that is given, so that a test moves one clock).
   */
  readonly monotonic?: () => number;
  /** Write once a minute by itself (default true; tests call {@link TrafficRecorder.flush}). */
  readonly timer?: boolean;
}

/** The traffic recorder of a process. */
export interface TrafficRecorder {
  /**
   * Counts one finished data-plane request (site requests only; gateway calls arrive as events).
   * `endedAt` is when it ended on the `performance.now()` clock: the listener wrapper has read it already,
   * so the request costs no clock read here (read when absent).
   */
  observeRequest(labels: RequestLabels, status: number, seconds: number, endedAt?: number): void;
  /** Writes what was counted so far, the current minute included. */
  flush(): Promise<void>;
  /** Stops the timer and the event subscription, and writes what is left. */
  close(): Promise<void>;
}

const MINUTE_MS = 60_000;
/** Rows kept for a later write while the sink fails (about an hour of a busy node); older ones drop. */
const MAX_PENDING_ROWS = 20_000;

interface SiteCell {
  requests: number;
  status4xx: number;
  status5xx: number;
  /** Per bucket of {@link TRAFFIC_LATENCY_BOUNDS_MS}, plus the overflow bucket. */
  readonly buckets: number[];
}

interface GatewayCell {
  calls: number;
  status401: number;
  status403: number;
  status429: number;
  status5xx: number;
}

/** Creates the recorder; it listens to gateway call events until closed. */
export function createTrafficRecorder(options: TrafficRecorderOptions): TrafficRecorder {
  const now = options.now ?? Date.now;
  const counts = new MinuteCounts(now, options.monotonic ?? options.now ?? (() => performance.now()));
  let pending: TrafficBatch = { sites: [], gateway: [] };
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    writing = writing.then(async () => {
      const batch = joinBatches(pending, counts.take());
      pending = { sites: [], gateway: [] };
      if (batch.sites.length === 0 && batch.gateway.length === 0) {
        return;
      }
      try {
        await options.sink(batch);
      } catch (error) {
        pending = boundBatch(batch);
        options.onError(error);
      }
    });
    return writing;
  };
  const unsubscribe = subscribeEvent('gatewayCall', (event) =>
    counts.observeCall(event.service, event.api, event.status),
  );
  const stopTimer = options.timer === false ? undefined : startMinuteTimer(now, () => void flush());
  return {
    observeRequest: (labels, status, seconds, endedAt) => {
      if (labels.kind !== 'gateway' && labels.site !== '') {
        counts.observeRequest(labels.site, labels.environment, status, seconds, endedAt);
      }
    },
    flush,
    async close() {
      unsubscribe();
      stopTimer?.();
      await flush();
    },
  };
}

/**
 * The counts of the current minute and of minutes that ended since the last `take()`. A request costs
 * one comparison with the minute's end, two map lookups, a bucket search and a few additions: the end
 * of the minute is kept on the monotonic clock the listener wrapper reads anyway, so counting a request
 * reads no clock; the wall clock is read when that end has passed (once a minute).
 */
class MinuteCounts {
  readonly #now: () => number;
  readonly #monotonic: () => number;
  #minuteStart = 0;
  #minuteEnd = 0;
  /** {@link #minuteEnd} on the monotonic clock: nothing turns before it. */
  #endsAt = Number.NEGATIVE_INFINITY;
  #sites = new Map<string, Map<string, SiteCell>>();
  #gateway = new Map<string, Map<string, GatewayCell>>();
  #ended: TrafficBatch[] = [];

  constructor(now: () => number, monotonic: () => number) {
    this.#now = now;
    this.#monotonic = monotonic;
  }

  observeRequest(
    site: string,
    environment: string,
    status: number,
    seconds: number,
    endedAt = this.#monotonic(),
  ): void {
    if (endedAt >= this.#endsAt) {
      this.#turnMinute(endedAt);
    }
    const environments = innerMap(this.#sites, site);
    let cell = environments.get(environment);
    if (cell === undefined) {
      cell = { requests: 0, status4xx: 0, status5xx: 0, buckets: new Array<number>(BUCKETS).fill(0) };
      environments.set(environment, cell);
    }
    cell.requests += 1;
    if (status >= 500) {
      cell.status5xx += 1;
    } else if (status >= 400) {
      cell.status4xx += 1;
    }
    const ms = seconds * 1000;
    let index = 0;
    while (index < BOUNDS_COUNT && ms > (TRAFFIC_LATENCY_BOUNDS_MS[index] as number)) {
      index += 1;
    }
    cell.buckets[index] = (cell.buckets[index] ?? 0) + 1;
  }

  observeCall(service: string, api: string, status: number): void {
    this.#turnIfOver();
    const apis = innerMap(this.#gateway, service);
    let cell = apis.get(api);
    if (cell === undefined) {
      cell = { calls: 0, status401: 0, status403: 0, status429: 0, status5xx: 0 };
      apis.set(api, cell);
    }
    cell.calls += 1;
    if (status === 401) {
      cell.status401 += 1;
    } else if (status === 403) {
      cell.status403 += 1;
    } else if (status === 429) {
      cell.status429 += 1;
    } else if (status >= 500) {
      cell.status5xx += 1;
    }
  }

  /** Everything counted so far, as rows; the counts start again from zero. */
  take(): TrafficBatch {
    this.#turnIfOver();
    const batches = [...this.#ended, this.#rows()];
    this.#ended = [];
    this.#sites = new Map();
    this.#gateway = new Map();
    return batches.reduce(joinBatches, { sites: [], gateway: [] });
  }

  #turnIfOver(): void {
    const at = this.#monotonic();
    if (at >= this.#endsAt) {
      this.#turnMinute(at);
    }
  }

  /**
   * The minute's end has passed on the monotonic clock (`at`): when it has on the wall clock too, sets the
   * minute's counts aside and starts the one the wall clock is in; either way, maps that minute's end
   * onto the monotonic clock again (the two drift apart, and the wall clock may be set).
   */
  #turnMinute(at: number): void {
    const now = this.#now();
    if (now >= this.#minuteEnd || now < this.#minuteStart) {
      if (this.#sites.size > 0 || this.#gateway.size > 0) {
        this.#ended.push(this.#rows());
        this.#sites = new Map();
        this.#gateway = new Map();
      }
      this.#minuteStart = Math.floor(now / MINUTE_MS) * MINUTE_MS;
      this.#minuteEnd = this.#minuteStart + MINUTE_MS;
    }
    this.#endsAt = at + (this.#minuteEnd - now);
  }

  #rows(): TrafficBatch {
    const minute = new Date(this.#minuteStart).toISOString();
    const sites: SiteTrafficRow[] = [];
    for (const [site, environments] of this.#sites) {
      for (const [environment, cell] of environments) {
        const { requests, status4xx, status5xx } = cell;
        sites.push({ site, environment, minute, requests, status4xx, status5xx, latencyMs: latencyOf(cell) });
      }
    }
    const gateway: GatewayTrafficRow[] = [];
    for (const [service, apis] of this.#gateway) {
      for (const [api, cell] of apis) {
        gateway.push({ service, api, minute, ...cell });
      }
    }
    return { sites, gateway };
  }
}

const BOUNDS_COUNT = TRAFFIC_LATENCY_BOUNDS_MS.length;
const BUCKETS = BOUNDS_COUNT + 1;

function latencyOf(cell: SiteCell): Record<string, number> {
  const latency: Record<string, number> = {};
  cell.buckets.forEach((value, index) => {
    if (value > 0) {
      latency[index < BOUNDS_COUNT ? String(TRAFFIC_LATENCY_BOUNDS_MS[index]) : TRAFFIC_OVERFLOW_BUCKET] =
        value;
    }
  });
  return latency;
}

function joinBatches(a: TrafficBatch, b: TrafficBatch): TrafficBatch {
  return { sites: [...a.sites, ...b.sites], gateway: [...a.gateway, ...b.gateway] };
}

/** Keeps the newest rows when a failing sink let too many pile up. */
function boundBatch(batch: TrafficBatch): TrafficBatch {
  return {
    sites: batch.sites.slice(-MAX_PENDING_ROWS),
    gateway: batch.gateway.slice(-MAX_PENDING_ROWS),
  };
}

/**
 * Calls `tick` a second after each minute ends (unref'd: it never keeps the process alive); returns the
 * function that stops it.
 */
function startMinuteTimer(now: () => number, tick: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(
      () => {
        tick();
        schedule();
      },
      MINUTE_MS - (now() % MINUTE_MS) + 1_000,
    );
    timer.unref();
  };
  schedule();
  return () => clearTimeout(timer);
}
