import { afterEach, describe, expect, it, vi } from 'vitest';
import { SILENT_LOGGER } from '../shared/logger.js';
import { createSignOutQueue, MAX_PENDING_SIGN_OUTS } from './sign-outs.js';

const down = async () => {
  throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
};

describe('createSignOutQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries, and a sign-out that fails for another reason than an outage does not hold up the rest', async () => {
    vi.useFakeTimers();
    const queue = createSignOutQueue(SILENT_LOGGER, () => 0);
    const siteGone = async () => {
      throw new Error('insert or update on table "signed_out_sessions" violates foreign key constraint');
    };
    let attempts = 0;
    const backLater = async () => {
      attempts += 1;
      if (attempts === 1) {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      }
    };
    await queue
      .add({ siteId: 's', sessionId: 'gone', expiresAt: 10, record: siteGone })
      .catch(() => undefined);
    await queue
      .add({ siteId: 's', sessionId: 'later', expiresAt: 10, record: backLater })
      .catch(() => undefined);
    expect(queue.has('s', 'later')).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(queue.has('s', 'later')).toBe(false);
    expect(queue.has('s', 'gone')).toBe(true);
    queue.close();
  });

  it('remembers a sign-out the database refused, until its session expires', async () => {
    let now = 1_000_000;
    const queue = createSignOutQueue(SILENT_LOGGER, () => now);
    await expect(
      queue.add({ siteId: 's', sessionId: 'x', expiresAt: 2000, record: down }),
    ).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
    });
    expect(queue.has('s', 'x')).toBe(true);
    expect(queue.has('other-site', 'x')).toBe(false);
    now = 2_000_000;
    expect(queue.has('s', 'x')).toBe(false);
    queue.close();
  });

  it('keeps nothing when the sign-out is recorded at once', async () => {
    const queue = createSignOutQueue(SILENT_LOGGER, () => 0);
    await queue.add({ siteId: 's', sessionId: 'x', expiresAt: 10, record: async () => undefined });
    expect(queue.has('s', 'x')).toBe(false);
    expect(queue.size()).toBe(0);
    queue.close();
  });

  it('holds at most MAX_PENDING_SIGN_OUTS, dropping the one that expires first', async () => {
    const queue = createSignOutQueue(SILENT_LOGGER, () => 0);
    for (let i = 0; i <= MAX_PENDING_SIGN_OUTS; i += 1) {
      // The first one expires last, the second one first.
      const expiresAt = i === 0 ? 1e9 : i === 1 ? 10 : 1000 + i;
      await queue.add({ siteId: 's', sessionId: `id${i}`, expiresAt, record: down }).catch(() => undefined);
    }
    expect(queue.size()).toBe(MAX_PENDING_SIGN_OUTS);
    expect(queue.has('s', 'id0')).toBe(true);
    expect(queue.has('s', 'id1')).toBe(false);
    expect(queue.has('s', `id${MAX_PENDING_SIGN_OUTS}`)).toBe(true);
    queue.close();
  });
});
