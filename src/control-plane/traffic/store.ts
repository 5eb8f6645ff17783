/**
 * The traffic history in the database (decision 0032): each node inserts what it counted (rows add up,
 * so nodes and workers never write the same row), rows older than a day are pruned, and reads sum the
 * rows of a site or gateway service into the points of a window.
 */
import type { GatewayTrafficRow, SiteTrafficRow, TrafficBatch } from '../../shared/traffic.js';
import { getApimService } from '../apim/service.js';
import { listEntities } from '../apim/store.js';
import type { ControlContext } from '../context.js';
import { listEnvironments } from '../environments.js';
import { getSite } from '../sites.js';
import {
  addBuckets,
  gridOf,
  type LatencyBuckets,
  parseBuckets,
  pointIndex,
  pointTimes,
  quantileMs,
  TRAFFIC_RETENTION_MS,
  type TrafficGrid,
  type TrafficWindow,
} from './series.js';

/** Rows per insert statement (keeps PostgreSQL's and SQLite's parameter limits far away). */
const CHUNK = 200;

/** Stores what node `node` counted, then drops rows older than a day. */
export async function recordTraffic(ctx: ControlContext, node: string, batch: TrafficBatch): Promise<void> {
  for (let i = 0; i < batch.sites.length; i += CHUNK) {
    await ctx.db
      .insertInto('traffic_minutes')
      .values(batch.sites.slice(i, i + CHUNK).map((row) => siteValues(node, row)))
      .execute();
  }
  for (let i = 0; i < batch.gateway.length; i += CHUNK) {
    await ctx.db
      .insertInto('gateway_traffic_minutes')
      .values(batch.gateway.slice(i, i + CHUNK).map((row) => gatewayValues(node, row)))
      .execute();
  }
  await pruneTraffic(ctx);
}

/** Removes rows older than the retention (a day). */
export async function pruneTraffic(ctx: ControlContext): Promise<void> {
  const before = new Date(ctx.now().getTime() - TRAFFIC_RETENTION_MS).toISOString();
  await ctx.db.deleteFrom('traffic_minutes').where('minute', '<', before).execute();
  await ctx.db.deleteFrom('gateway_traffic_minutes').where('minute', '<', before).execute();
}

function siteValues(node: string, row: SiteTrafficRow) {
  return {
    site: row.site,
    environment: row.environment,
    minute: row.minute,
    node,
    requests: row.requests,
    status_4xx: row.status4xx,
    status_5xx: row.status5xx,
    latency_ms: JSON.stringify(row.latencyMs),
  };
}

function gatewayValues(node: string, row: GatewayTrafficRow) {
  return {
    service: row.service,
    api: row.api,
    minute: row.minute,
    node,
    calls: row.calls,
    status_401: row.status401,
    status_403: row.status403,
    status_429: row.status429,
    status_5xx: row.status5xx,
  };
}

/** One point (or the whole window) of a site environment. */
export interface SiteTrafficPoint {
  requests: number;
  status4xx: number;
  status5xx: number;
  /** 95th percentile of the latency in ms, from summed buckets; null without requests. */
  p95Ms: number | null;
}

/** The series of one environment. */
export interface EnvironmentTraffic {
  readonly environment: string;
  readonly totals: SiteTrafficPoint;
  readonly points: readonly (SiteTrafficPoint & { readonly time: string })[];
}

/** The traffic of a site over a window. */
export interface SiteTraffic {
  readonly grid: TrafficGrid;
  readonly environments: readonly EnvironmentTraffic[];
}

/** The traffic of every environment of site `name` (404 when there is no such site). */
export async function readSiteTraffic(
  ctx: ControlContext,
  name: string,
  window: TrafficWindow,
): Promise<SiteTraffic> {
  const site = await getSite(ctx, name);
  await ctx.flushTraffic?.();
  const grid = gridOf(window, ctx.now().getTime());
  const rows = await ctx.db
    .selectFrom('traffic_minutes')
    .select(['environment', 'minute', 'requests', 'status_4xx', 'status_5xx', 'latency_ms'])
    .where('site', '=', name)
    .where('minute', '>=', new Date(grid.start).toISOString())
    .execute();
  const names = (await listEnvironments(ctx, site)).map((environment) => environment.name);
  const sums = new Map<string, { counts: SiteTrafficPoint[]; buckets: LatencyBuckets[] }>();
  for (const environment of names) {
    sums.set(environment, emptySiteSums(grid));
  }
  for (const row of rows) {
    const index = pointIndex(grid, row.minute);
    const sum = sums.get(row.environment);
    // Rows of an environment deleted since are left out: the site no longer has it.
    if (index === -1 || sum === undefined) {
      continue;
    }
    const point = sum.counts[index] as SiteTrafficPoint;
    point.requests += Number(row.requests);
    point.status4xx += Number(row.status_4xx);
    point.status5xx += Number(row.status_5xx);
    addBuckets(sum.buckets[index] as LatencyBuckets, parseBuckets(row.latency_ms));
  }
  const times = pointTimes(grid);
  return {
    grid,
    environments: [...sums].map(([environment, sum]) => ({
      environment,
      totals: siteTotals(sum.counts, sum.buckets),
      points: sum.counts.map((point, i) => ({
        time: times[i] ?? '',
        ...point,
        p95Ms: quantileMs(sum.buckets[i] ?? {}, 0.95),
      })),
    })),
  };
}

function emptySiteSums(grid: TrafficGrid) {
  return {
    counts: Array.from({ length: grid.points }, () => ({
      requests: 0,
      status4xx: 0,
      status5xx: 0,
      p95Ms: null,
    })),
    buckets: Array.from({ length: grid.points }, (): LatencyBuckets => ({})),
  };
}

function siteTotals(
  points: readonly SiteTrafficPoint[],
  buckets: readonly LatencyBuckets[],
): SiteTrafficPoint {
  const all: LatencyBuckets = {};
  for (const point of buckets) {
    addBuckets(all, point);
  }
  return {
    requests: sumOf(points, (p) => p.requests),
    status4xx: sumOf(points, (p) => p.status4xx),
    status5xx: sumOf(points, (p) => p.status5xx),
    p95Ms: quantileMs(all, 0.95),
  };
}

/** One point (or the whole window) of a gateway API. */
export interface GatewayTrafficPoint {
  calls: number;
  status401: number;
  status403: number;
  status429: number;
  status5xx: number;
}

/** The series of one API of a gateway service; `api` empty for calls that matched none. */
export interface ApiTraffic {
  readonly api: string;
  readonly totals: GatewayTrafficPoint;
  readonly points: readonly (GatewayTrafficPoint & { readonly time: string })[];
}

/** The calls of a gateway service over a window. */
export interface ServiceTraffic {
  readonly grid: TrafficGrid;
  readonly apis: readonly ApiTraffic[];
}

/** The calls per API of gateway service `name` (404 when there is no such service). */
export async function readServiceTraffic(
  ctx: ControlContext,
  name: string,
  window: TrafficWindow,
): Promise<ServiceTraffic> {
  const service = await getApimService(ctx, name);
  await ctx.flushTraffic?.();
  const grid = gridOf(window, ctx.now().getTime());
  const rows = await ctx.db
    .selectFrom('gateway_traffic_minutes')
    .select(['api', 'minute', 'calls', 'status_401', 'status_403', 'status_429', 'status_5xx'])
    .where('service', '=', name)
    .where('minute', '>=', new Date(grid.start).toISOString())
    .execute();
  const apis = (await listEntities(ctx, service.id, 'api')).map((api) => api.id).sort();
  const sums = new Map<string, GatewayTrafficPoint[]>(apis.map((api) => [api, emptyCalls(grid)]));
  for (const row of rows) {
    const index = pointIndex(grid, row.minute);
    if (index === -1) {
      continue;
    }
    // Calls that matched no API are kept under '' (404s, probes); an API deleted since is left out.
    let points = sums.get(row.api);
    if (points === undefined && row.api === '') {
      points = emptyCalls(grid);
      sums.set('', points);
    }
    const point = points?.[index];
    if (point !== undefined) {
      point.calls += Number(row.calls);
      point.status401 += Number(row.status_401);
      point.status403 += Number(row.status_403);
      point.status429 += Number(row.status_429);
      point.status5xx += Number(row.status_5xx);
    }
  }
  const times = pointTimes(grid);
  return {
    grid,
    apis: [...sums].map(([api, points]) => ({
      api,
      totals: {
        calls: sumOf(points, (p) => p.calls),
        status401: sumOf(points, (p) => p.status401),
        status403: sumOf(points, (p) => p.status403),
        status429: sumOf(points, (p) => p.status429),
        status5xx: sumOf(points, (p) => p.status5xx),
      },
      points: points.map((point, i) => ({ time: times[i] ?? '', ...point })),
    })),
  };
}

function emptyCalls(grid: TrafficGrid): GatewayTrafficPoint[] {
  return Array.from({ length: grid.points }, () => ({
    calls: 0,
    status401: 0,
    status403: 0,
    status429: 0,
    status5xx: 0,
  }));
}

function sumOf<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((sum, item) => sum + value(item), 0);
}
