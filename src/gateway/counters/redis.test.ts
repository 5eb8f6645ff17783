/**
 * What only the Redis store has: atomicity across instances (spec/apim.md §5.1), the server clock, key
 * expiry, the start-up error and failing open when Redis goes away. Skipped (with a notice) without
 * PORTICO_TEST_REDIS_URL.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/helpers/app.js';
import { testRedisUrl } from '../../../test/helpers/databases.js';
import { startTcpRelay } from '../../../test/helpers/tcp-relay.js';
import { PorticoError } from '../../shared/errors.js';
import { createRedisCounterStore } from './index.js';

const REDIS_URL = testRedisUrl();
const PREFIX = `portico-test:${randomBytes(6).toString('hex')}:`;

afterAll(async () => {
  if (REDIS_URL !== undefined) {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
  }
});

/** A TCP relay to Redis that the test can cut, to make Redis "go away" after start. */
async function startRelay(target: URL): Promise<{ url: string; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 1;
}

describe.skipIf(REDIS_URL === undefined)('redis counter store', () => {
  const url = REDIS_URL ?? '';

  it('admits exactly the limit of 200 concurrent calls spread over two nodes', async () => {
    const [a, b] = await Promise.all([1, 2].map(() => createRedisCounterStore(url, { keyPrefix: PREFIX })));
    if (a === undefined || b === undefined) {
      throw new Error('stores not created');
    }
    const calls = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).takeRate('burst', 50, 60, 1));
    const quotas = Array.from({ length: 200 }, (_, i) =>
      (i % 2 === 0 ? a : b).takeQuota('q', 50, 3600, 1, 0),
    );
    const rates = await Promise.all(calls);
    const quotaDecisions = await Promise.all(quotas);
    expect(rates.filter((d) => d.allowed)).toHaveLength(50);
    expect(quotaDecisions.filter((d) => d.allowed)).toHaveLength(50);
    await Promise.all([a.close(), b.close()]);
  });

  it('uses the Redis server clock by default', async () => {
    const store = await createRedisCounterStore(url, { keyPrefix: PREFIX });
    expect((await store.takeRate('server-clock', 2, 30, 2)).allowed).toBe(true);
    const refused = await store.takeRate('server-clock', 2, 30, 1);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(30);
    await store.close();
  });

  it('lets counters expire with their window', async () => {
    const store = await createRedisCounterStore(url, { keyPrefix: PREFIX });
    const redis = new Redis(url);
    await store.takeRate('ttl', 5, 30, 1);
    await store.takeQuota('ttl', 5, 600, 1, Date.now() - 100_000);
    await store.takeQuota('ttl-life', 5, 0, 1, 0);
    const rateTtl = await redis.pttl(`${PREFIX}rate:ttl`);
    const quotaTtl = await redis.pttl((await redis.keys(`${PREFIX}quota:ttl:600:*`))[0] ?? '');
    expect(rateTtl).toBeGreaterThan(0);
    expect(rateTtl).toBeLessThanOrEqual(30_000);
    expect(quotaTtl).toBeGreaterThan(400_000);
    expect(quotaTtl).toBeLessThanOrEqual(500_000);
    expect(await redis.pttl(`${PREFIX}quota:ttl-life:0:0`)).toBe(-1);
    await Promise.all([store.close(), redis.quit()]);
  });

  it('rejects at creation with STORAGE_UNAVAILABLE, naming the URL without its password', async () => {
    const port = await closedPort();
    const failure = await createRedisCounterStore(`redis://:hunter2@127.0.0.1:${port}`).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PorticoError);
    expect((failure as PorticoError).code).toBe('STORAGE_UNAVAILABLE');
    expect((failure as PorticoError).message).toContain(`127.0.0.1:${port}`);
    expect((failure as PorticoError).message).not.toContain('hunter2');
  });

  it('fails open with one warning when Redis goes away after start', async () => {
    const relay = await startRelay(new URL(url));
    const warnings: string[] = [];
    const store = await createRedisCounterStore(relay.url, {
      keyPrefix: PREFIX,
      logger: { warn: (message) => warnings.push(message) },
    });
    expect((await store.takeRate('open', 1, 60, 1)).allowed).toBe(true);
    expect((await store.takeRate('open', 1, 60, 1)).allowed).toBe(false);
    await relay.cut();
    for (let i = 0; i < 3; i += 1) {
      expect(await store.takeRate('open', 1, 60, 1)).toEqual({
        allowed: true,
        remaining: 0,
        retryAfterSeconds: 0,
      });
      expect((await store.takeQuota('open', 1, 60, 1, 0)).allowed).toBe(true);
      await store.addRate('open', 60, 1);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('unavailable');
    await store.close();
  });

  it('stops asking a Redis that holds its connection without answering, failing open at once', async () => {
    const target = new URL(url);
    const relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 6379) });
    const warnings: string[] = [];
    const store = await createRedisCounterStore(`redis://127.0.0.1:${relay.port}`, {
      keyPrefix: PREFIX,
      logger: { warn: (message) => warnings.push(message) },
    });
    try {
      expect((await store.takeRate('held', 5, 60, 1)).allowed).toBe(true);
      relay.hold();
      // The first call waits for its command to time out, then fails open.
      expect((await store.takeRate('held', 5, 60, 1)).allowed).toBe(true);
      const asked = relay.sent();
      // The next calls do not ask Redis at all (each would otherwise wait for its own timeout).
      for (let i = 0; i < 10; i += 1) {
        expect((await store.takeRate('held', 5, 60, 1)).allowed).toBe(true);
        expect((await store.takeQuota('held', 5, 60, 1, 0)).allowed).toBe(true);
      }
      expect(relay.sent()).toBe(asked);
      expect(warnings).toHaveLength(1);
      relay.resume();
      // Once Redis answers again, a call after the pause counts again.
      await eventually(async () => (await store.peekRate('held', 1, 60)).allowed === false, 20_000);
    } finally {
      relay.resume();
      await store.close();
      await relay.close();
    }
  });
});
