/**
 * One contract for every counter store (spec/apim.md §2.1, §5.1): memory always, Redis when
 * PORTICO_TEST_REDIS_URL names a server. Time is a controllable clock passed as `now`.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../../test/helpers/databases.js';
import type { CounterStore } from '../types.js';
import {
  createMemoryCounterStore,
  createRedisCounterStore,
  NEVER_RENEWS_RETRY_AFTER_SECONDS,
} from './index.js';

const REDIS_URL = testRedisUrl();
const PREFIX = `portico-test:${randomBytes(6).toString('hex')}:`;
const T0 = 1_700_000_000_000;

interface Harness {
  readonly name: string;
  create(now: () => number): Promise<CounterStore>;
}

const harnesses: Harness[] = [{ name: 'memory', create: async (now) => createMemoryCounterStore({ now }) }];
if (REDIS_URL !== undefined) {
  harnesses.push({
    name: 'redis',
    create: (now) => createRedisCounterStore(REDIS_URL, { now, keyPrefix: PREFIX }),
  });
}

afterAll(async () => {
  if (REDIS_URL !== undefined) {
    await deleteKeys(REDIS_URL, PREFIX);
  }
});

/** Removes every key a test run wrote. */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) {
    await redis.del(...keys);
  }
  await redis.quit();
}

describe.each(harnesses)('counter store contract: $name', (harness) => {
  let time = T0;
  let store: CounterStore;
  let key: string;
  const at = (ms: number) => {
    time = T0 + ms;
  };

  beforeEach(async () => {
    time = T0;
    store = await harness.create(() => time);
    key = `k-${randomBytes(4).toString('hex')}`;
  });
  afterEach(() => store.close());

  describe('rate (sliding window)', () => {
    it('admits up to the limit, counting down, then refuses with Retry-After ≥ 1', async () => {
      expect(await store.takeRate(key, 3, 10, 1)).toEqual({
        allowed: true,
        remaining: 2,
        retryAfterSeconds: 0,
      });
      expect((await store.takeRate(key, 3, 10, 1)).remaining).toBe(1);
      expect((await store.takeRate(key, 3, 10, 1)).remaining).toBe(0);
      expect(await store.takeRate(key, 3, 10, 1)).toEqual({
        allowed: false,
        remaining: 0,
        retryAfterSeconds: 10,
      });
    });

    it('slides: a call is admitted again when the oldest counted call leaves the window', async () => {
      await store.takeRate(key, 3, 10, 1);
      at(4000);
      await store.takeRate(key, 3, 10, 1);
      at(8000);
      await store.takeRate(key, 3, 10, 1);
      at(9000);
      expect(await store.takeRate(key, 3, 10, 1)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
      at(10_000);
      expect(await store.takeRate(key, 3, 10, 1)).toMatchObject({ allowed: true, remaining: 0 });
      at(10_500);
      expect(await store.takeRate(key, 3, 10, 1)).toMatchObject({ allowed: false, retryAfterSeconds: 4 });
    });

    it('never counts refused calls, so the limit recovers (Tyk #1876)', async () => {
      await store.takeRate(key, 2, 10, 1);
      at(5000);
      await store.takeRate(key, 2, 10, 1);
      for (let i = 0; i < 10; i += 1) {
        expect((await store.takeRate(key, 2, 10, 1)).allowed).toBe(false);
      }
      at(10_000);
      expect(await store.takeRate(key, 2, 10, 1)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('counts every call of the same millisecond', async () => {
      const decisions = await Promise.all([1, 2, 3, 4].map(() => store.takeRate(key, 3, 60, 1)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
    });

    it('counts an increment-count of several calls atomically', async () => {
      expect(await store.takeRate(key, 5, 10, 3)).toMatchObject({ allowed: true, remaining: 2 });
      expect(await store.takeRate(key, 5, 10, 3)).toMatchObject({ allowed: false, retryAfterSeconds: 10 });
      expect(await store.takeRate(key, 5, 10, 2)).toMatchObject({ allowed: true, remaining: 0 });
      expect(await store.takeRate(key, 5, 10, 6)).toMatchObject({ allowed: false, retryAfterSeconds: 10 });
    });

    it('waits for as many old calls as the new count needs', async () => {
      await store.takeRate(key, 3, 10, 1);
      at(2000);
      await store.takeRate(key, 3, 10, 1);
      at(3000);
      expect(await store.takeRate(key, 3, 10, 3)).toMatchObject({ allowed: false, retryAfterSeconds: 9 });
    });

    it('peeks without counting, and adds regardless of the limit', async () => {
      expect(await store.peekRate(key, 2, 10)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await store.peekRate(key, 2, 10)).toMatchObject({ allowed: true, remaining: 1 });
      await store.addRate(key, 10, 1);
      at(1000);
      await store.addRate(key, 10, 2);
      expect(await store.peekRate(key, 2, 10)).toEqual({
        allowed: false,
        remaining: 0,
        retryAfterSeconds: 10,
      });
      expect((await store.takeRate(key, 2, 10, 1)).allowed).toBe(false);
      at(10_000);
      expect((await store.peekRate(key, 2, 10)).allowed).toBe(false);
      at(11_000);
      expect(await store.peekRate(key, 2, 10)).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('keeps keys apart', async () => {
      await store.takeRate(key, 1, 10, 1);
      expect((await store.takeRate(`${key}-other`, 1, 10, 1)).allowed).toBe(true);
      expect((await store.takeRate(key, 1, 10, 1)).allowed).toBe(false);
    });
  });

  describe('quota (fixed window)', () => {
    it('renews at the end of the period anchored at periodStart', async () => {
      const start = T0 - 1_800_000;
      for (const remaining of [2, 1, 0]) {
        expect(await store.takeQuota(key, 3, 3600, 1, start)).toMatchObject({ allowed: true, remaining });
      }
      expect(await store.takeQuota(key, 3, 3600, 1, start)).toEqual({
        allowed: false,
        remaining: 0,
        retryAfterSeconds: 1800,
      });
      at(1_799_500);
      expect(await store.takeQuota(key, 3, 3600, 1, start)).toMatchObject({ retryAfterSeconds: 1 });
      at(1_800_000);
      expect(await store.takeQuota(key, 3, 3600, 1, start)).toMatchObject({ allowed: true, remaining: 2 });
    });

    it('anchors windows before periodStart too (first-period-start in the future)', async () => {
      const start = T0 + 100_000;
      await store.takeQuota(key, 1, 300, 1, start);
      expect(await store.takeQuota(key, 1, 300, 1, start)).toMatchObject({
        allowed: false,
        retryAfterSeconds: 100,
      });
    });

    it('never renews with a period of 0', async () => {
      expect((await store.takeQuota(key, 1, 0, 1, T0)).allowed).toBe(true);
      expect(await store.takeQuota(key, 1, 0, 1, T0)).toEqual({
        allowed: false,
        remaining: 0,
        retryAfterSeconds: NEVER_RENEWS_RETRY_AFTER_SECONDS,
      });
      at(400 * 86_400_000);
      expect((await store.takeQuota(key, 1, 0, 1, T0)).allowed).toBe(false);
    });

    it('counts bandwidth amounts, fractions included, and never counts a refused amount', async () => {
      expect(await store.takeQuota(key, 100, 3600, 60, T0)).toMatchObject({ allowed: true, remaining: 40 });
      expect(await store.takeQuota(key, 100, 3600, 50, T0)).toMatchObject({ allowed: false });
      expect(await store.takeQuota(key, 100, 3600, 39.5, T0)).toMatchObject({
        allowed: true,
        remaining: 0.5,
      });
      expect(await store.takeQuota(key, 100, 3600, 0.75, T0)).toMatchObject({ allowed: false });
      expect(await store.takeQuota(key, 100, 3600, 0.5, T0)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('peeks without counting and adds regardless of the limit', async () => {
      expect(await store.peekQuota(key, 2, 3600, T0)).toMatchObject({ allowed: true, remaining: 2 });
      await store.addQuota(key, 3600, 5, T0);
      expect(await store.peekQuota(key, 2, 3600, T0)).toEqual({
        allowed: false,
        remaining: 0,
        retryAfterSeconds: 3600,
      });
      at(3_600_000);
      expect(await store.peekQuota(key, 2, 3600, T0)).toMatchObject({ allowed: true, remaining: 2 });
    });

    it('keeps periods and anchors of one key apart', async () => {
      await store.takeQuota(key, 1, 3600, 1, T0);
      expect((await store.takeQuota(key, 1, 3600, 1, T0 - 1)).allowed).toBe(true);
      expect((await store.takeQuota(key, 1, 600, 1, T0)).allowed).toBe(true);
    });
  });
});
