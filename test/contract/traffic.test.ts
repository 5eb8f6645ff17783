/**
 * The traffic history (decision 0032) on every database: the recorder's per-minute counts written by
 * several nodes add up, p95 comes from the summed latency buckets, a day groups by quarter hour, rows
 * older than a day go, gateway calls are counted per API, and a failing write loses nothing.
 * @see issue 15 item 4 "Traffic at a glance"
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putApi } from '../../src/control-plane/apim/apis.js';
import { createApimService } from '../../src/control-plane/apim/service.js';
import type { ControlContext } from '../../src/control-plane/index.js';
import { createSite } from '../../src/control-plane/sites.js';
import { readServiceTraffic, readSiteTraffic, recordTraffic } from '../../src/control-plane/traffic/index.js';
import { createTrafficRecorder, type RequestLabels, type TrafficRecorder } from '../../src/ops/index.js';
import { publishEvent } from '../../src/shared/events.js';
import type { TrafficBatch } from '../../src/shared/traffic.js';
import { openDatabase, type StorageDatabase } from '../../src/storage/index.js';
import { testControlContext } from '../helpers/control-context.js';
import { testDatabases } from '../helpers/databases.js';

const MINUTE = 60_000;
/** 10:00:00 UTC of a fixed day, so that every test knows which point a minute lands in. */
const TEN_O_CLOCK = Date.parse('2026-12-04T10:00:00.000Z');

describe.each(testDatabases())('traffic history on $name', (database) => {
  let storage: StorageDatabase;
  let ctx: ControlContext;
  let cleanup: () => Promise<void>;
  let now = TEN_O_CLOCK;

  /** A recorder on the shared clock writing as node `node`; no timer (the test flushes). */
  function recorder(node: string, sink?: (batch: TrafficBatch) => Promise<void>): TrafficRecorder {
    return createTrafficRecorder({
      sink: sink ?? ((batch) => recordTraffic(ctx, node, batch)),
      onError: () => undefined,
      now: () => now,
      timer: false,
    });
  }

  function site(name: string, environment = 'production'): RequestLabels {
    return { site: name, environment, kind: 'static' };
  }

  beforeAll(async () => {
    const created = await database.create();
    cleanup = created.cleanup;
    storage = await openDatabase(created.location);
    ctx = testControlContext(storage, created.dir, { now: () => new Date(now) });
    for (const name of ['shop', 'blog', 'old', 'flaky']) {
      await createSite(ctx, name, 'Free');
    }
  });
  afterAll(async () => {
    await storage?.close();
    await cleanup?.();
  });

  it('counts requests, 4xx, 5xx and p95 of known traffic from two nodes in the same minute', async () => {
    now = TEN_O_CLOCK + 5 * MINUTE + 10_000;
    const [a, b] = [recorder('node-a'), recorder('node-b')];
    // 90 quick answers (3 ms: the 2.5–5 ms bucket) and 10 slow ones (300 ms: 250–500 ms), split over
    // two nodes; 7 are 404 and 3 are 500.
    for (let i = 0; i < 90; i += 1) {
      (i % 2 === 0 ? a : b).observeRequest(site('shop'), i < 7 ? 404 : 200, 0.003);
    }
    for (let i = 0; i < 10; i += 1) {
      (i % 2 === 0 ? a : b).observeRequest(site('shop'), i < 3 ? 500 : 200, 0.3);
    }
    b.observeRequest({ site: 'shop', environment: '', kind: 'gateway' }, 200, 0.001);
    b.observeRequest({ site: '', environment: '', kind: 'static' }, 200, 0.001);
    await Promise.all([a.close(), b.close()]);
    now += 30_000;

    const traffic = await readSiteTraffic(ctx, 'shop', 'hour');
    const production = traffic.environments.find((e) => e.environment === 'production');
    // Rank 95 of 100 is the 5th of the 10 slow ones: halfway through 250–500 ms.
    expect(production?.totals).toEqual({ requests: 100, status4xx: 7, status5xx: 3, p95Ms: 375 });
    expect(production?.points).toHaveLength(60);
    const point = production?.points.find((p) => p.time === '2026-12-04T10:05:00.000Z');
    expect(point).toEqual({
      time: '2026-12-04T10:05:00.000Z',
      requests: 100,
      status4xx: 7,
      status5xx: 3,
      p95Ms: 375,
    });
    expect(production?.points.at(-1)?.time).toBe('2026-12-04T10:05:00.000Z');
    expect(production?.points.filter((p) => p.requests > 0)).toHaveLength(1);
  });

  it('keeps minutes apart, and a day sums them by quarter hour', async () => {
    now = TEN_O_CLOCK + 20 * MINUTE;
    const node = recorder('node-a');
    for (const minute of [20, 21, 29, 31]) {
      now = TEN_O_CLOCK + minute * MINUTE + 1_000;
      node.observeRequest(site('blog'), 200, 0.002);
      node.observeRequest(site('blog'), 503, 0.002);
    }
    await node.close();

    const hour = await readSiteTraffic(ctx, 'blog', 'hour');
    const byMinute = hour.environments[0]?.points.filter((p) => p.requests > 0).map((p) => p.time);
    expect(byMinute).toEqual(
      [20, 21, 29, 31].map((m) => `2026-12-04T10:${String(m).padStart(2, '0')}:00.000Z`),
    );
    expect(hour.environments[0]?.points.find((p) => p.requests > 0)?.p95Ms).toBeGreaterThan(1);
    expect(hour.environments[0]?.points.find((p) => p.requests > 0)?.p95Ms).toBeLessThanOrEqual(2.5);

    const day = await readSiteTraffic(ctx, 'blog', 'day');
    const production = day.environments[0];
    expect(production?.points).toHaveLength(96);
    expect(production?.points.at(-1)?.time).toBe('2026-12-04T10:30:00.000Z');
    const quarters = production?.points
      .filter((p) => p.requests > 0)
      .map((p) => [p.time, p.requests, p.status5xx]);
    expect(quarters).toEqual([
      ['2026-12-04T10:15:00.000Z', 6, 3],
      ['2026-12-04T10:30:00.000Z', 2, 1],
    ]);
    expect(production?.totals.requests).toBe(8);
  });

  it('drops rows older than a day when it writes', async () => {
    now = TEN_O_CLOCK + 40 * MINUTE;
    const early = recorder('node-a');
    early.observeRequest(site('old'), 200, 0.001);
    await early.close();
    now += 24 * 60 * MINUTE + MINUTE;
    const late = recorder('node-a');
    late.observeRequest(site('shop'), 200, 0.001);
    await late.close();
    const rows = await ctx.db
      .selectFrom('traffic_minutes')
      .select('site')
      .where('site', '=', 'old')
      .execute();
    expect(rows).toEqual([]);
    now = TEN_O_CLOCK + 60 * MINUTE;
  });

  it('counts gateway calls per API, with 401, 403, 429 and 5xx, and calls that matched no API', async () => {
    now = TEN_O_CLOCK + 50 * MINUTE;
    const service = await createApimService(ctx, 'contoso');
    await putApi(ctx, service.id, 'orders', { path: 'orders', serviceUrl: 'http://127.0.0.1:9/' });
    await putApi(ctx, service.id, 'quiet', { path: 'quiet', serviceUrl: 'http://127.0.0.1:9/' });
    const node = recorder('node-a');
    const call = (api: string, status: number) =>
      publishEvent('gatewayCall', () => ({ service: 'contoso', api, product: '', status }));
    for (const status of [200, 200, 200, 401, 401, 403, 429, 429, 429, 502]) {
      call('orders', status);
    }
    call('', 404);
    publishEvent('gatewayCall', () => ({ service: 'other', api: 'orders', product: '', status: 200 }));
    await node.close();
    call('orders', 200); // after close: not counted

    const traffic = await readServiceTraffic(ctx, 'contoso', 'hour');
    const totals = Object.fromEntries(traffic.apis.map((api) => [api.api, api.totals]));
    expect(totals).toEqual({
      orders: { calls: 10, status401: 2, status403: 1, status429: 3, status5xx: 1 },
      quiet: { calls: 0, status401: 0, status403: 0, status429: 0, status5xx: 0 },
      '': { calls: 1, status401: 0, status403: 0, status429: 0, status5xx: 0 },
    });
    const orders = traffic.apis.find((api) => api.api === 'orders');
    expect(orders?.points.find((p) => p.calls > 0)?.time).toBe('2026-12-04T10:50:00.000Z');
  });

  it('keeps the counts of a failed write and writes them with the next one', async () => {
    now = TEN_O_CLOCK + 55 * MINUTE;
    let failNext = true;
    const errors: unknown[] = [];
    const node = createTrafficRecorder({
      sink: async (batch) => {
        if (failNext) {
          failNext = false;
          throw new Error('database away');
        }
        await recordTraffic(ctx, 'node-a', batch);
      },
      onError: (error) => errors.push(error),
      now: () => now,
      timer: false,
    });
    node.observeRequest(site('flaky'), 200, 0.001);
    await node.flush();
    expect(errors).toHaveLength(1);
    now += MINUTE;
    node.observeRequest(site('flaky'), 200, 0.001);
    await node.close();
    const traffic = await readSiteTraffic(ctx, 'flaky', 'hour');
    expect(traffic.environments[0]?.points.filter((p) => p.requests > 0).map((p) => p.requests)).toEqual([
      1, 1,
    ]);
  });
});
