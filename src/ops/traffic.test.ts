/**
 * The traffic recorder's minutes (decision 0032): a request is counted in the wall-clock minute it ended
 * in, although counting it reads no clock (the listener wrapper passes the end it read on the monotonic
 * clock), and the two clocks drifting apart moves no request into the wrong minute. Storage and reads of
 * the rows: test/contract/traffic.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { TrafficBatch } from '../shared/traffic.js';
import type { RequestLabels } from './metrics.js';
import { createTrafficRecorder } from './traffic.js';

const SHOP: RequestLabels = { site: 'shop', environment: 'production', kind: 'static' };
const TEN_O_CLOCK = Date.parse('2026-12-04T10:00:00.000Z');

/** A recorder on two clocks the test sets; `rows()` writes and returns what it counted, per minute. */
function recorder() {
  const clocks = { wall: TEN_O_CLOCK, monotonic: 0 };
  const batches: TrafficBatch[] = [];
  const traffic = createTrafficRecorder({
    sink: async (batch) => {
      batches.push(batch);
    },
    onError: (error) => {
      throw error;
    },
    now: () => clocks.wall,
    monotonic: () => clocks.monotonic,
    timer: false,
  });
  const rows = async () => {
    await traffic.close();
    return batches.flatMap((batch) => batch.sites).map((row) => [row.minute, row.requests]);
  };
  return { clocks, traffic, rows };
}

describe('traffic recorder minutes', () => {
  it('counts a request in the minute it ended in, by the end the listener read', async () => {
    const { clocks, traffic, rows } = recorder();
    clocks.wall = TEN_O_CLOCK + 59_500;
    traffic.observeRequest(SHOP, 200, 0.001, 0);
    traffic.observeRequest(SHOP, 200, 0.001, 400);
    clocks.wall = TEN_O_CLOCK + 60_100;
    traffic.observeRequest(SHOP, 200, 0.001, 600);
    expect(await rows()).toEqual([
      ['2026-12-04T10:00:00.000Z', 2],
      ['2026-12-04T10:01:00.000Z', 1],
    ]);
  });

  it('keeps the minute while the wall clock has not ended it, however far the monotonic clock ran', async () => {
    const { clocks, traffic, rows } = recorder();
    clocks.wall = TEN_O_CLOCK + 30_000;
    traffic.observeRequest(SHOP, 200, 0.001, 0);
    // The monotonic clock ran 30.5 s, the wall clock 29.99 s: the minute is not over.
    clocks.wall = TEN_O_CLOCK + 59_990;
    traffic.observeRequest(SHOP, 200, 0.001, 30_500);
    clocks.wall = TEN_O_CLOCK + 60_020;
    traffic.observeRequest(SHOP, 200, 0.001, 30_530);
    expect(await rows()).toEqual([
      ['2026-12-04T10:00:00.000Z', 2],
      ['2026-12-04T10:01:00.000Z', 1],
    ]);
  });

  it('reads the clock itself when not given the end, and for what it writes', async () => {
    const { clocks, traffic, rows } = recorder();
    clocks.wall = TEN_O_CLOCK + 1_000;
    traffic.observeRequest(SHOP, 200, 0.001);
    clocks.wall = TEN_O_CLOCK + 121_000;
    clocks.monotonic = 120_000;
    traffic.observeRequest(SHOP, 503, 0.001);
    expect(await rows()).toEqual([
      ['2026-12-04T10:00:00.000Z', 1],
      ['2026-12-04T10:02:00.000Z', 1],
    ]);
  });
});
