/**
 * `/readyz` says the node is degraded (still ready), naming what is down, when PostgreSQL or Redis goes
 * away, and is ready again when they are back (issue 14); the management API answers 503
 * STORAGE_UNAVAILABLE without the database. The shared servers are reached through relays the test cuts,
 * never stopped themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send } from '../helpers/app.js';
import { createPostgresDatabase, hasPostgres, testDatabases, testRedisUrl } from '../helpers/databases.js';
import { recordingLogger } from '../helpers/functions-host.js';
import {
  ADMIN_TOKEN,
  createDeployedSite,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';
import { startTcpRelay, type TcpRelay } from '../helpers/tcp-relay.js';

testDatabases();
const POSTGRES_URL = process.env.PORTICO_TEST_DATABASE_URL ?? '';
const REDIS_URL = testRedisUrl();

interface ReadyBody {
  status: string;
  down?: string[];
  degraded?: string[];
  checks: Record<string, string>;
}

describe.skipIf(!hasPostgres() || REDIS_URL === undefined)('/readyz with PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let pgRelay: TcpRelay;
  let redisRelay: TcpRelay;
  let t: TestService;

  const ready = async (headers: Record<string, string> = {}) => {
    const response = await send(`${t.service.adminUrl}/readyz`, { headers });
    return { status: response.status, body: response.json<ReadyBody>() };
  };
  const through = (url: string, relay: TcpRelay) => {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(relay.port);
    return parsed.toString();
  };

  beforeAll(async () => {
    database = await createPostgresDatabase(POSTGRES_URL);
    const pgUrl = new URL(database.location.dialect === 'postgres' ? database.location.url : '');
    const redisUrl = new URL(REDIS_URL ?? '');
    pgRelay = await startTcpRelay({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    redisRelay = await startTcpRelay({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    t = await startTestService({
      databaseUrl: through(pgUrl.toString(), pgRelay),
      redisUrl: through(redisUrl.toString(), redisRelay),
      secretKey: 'readiness-test-service-key',
    });
  }, 60_000);
  afterAll(async () => {
    await pgRelay?.start().catch(() => undefined);
    await redisRelay?.start().catch(() => undefined);
    await t?.close();
    await removeData(t?.dataDir ?? '');
    await pgRelay?.close();
    await redisRelay?.close();
    await database?.cleanup();
  });

  it('is ready with the database, Redis and the listeners up', async () => {
    expect(await ready()).toEqual({
      status: 200,
      body: { status: 'ready', checks: { database: 'ok', redis: 'ok', listeners: 'ok' } },
    });
  });

  it('stays ready but degraded while Redis is unreachable, saying what that costs, and is whole again when it is back', async () => {
    await redisRelay.stop();
    const degraded = await ready();
    // A node without Redis still serves (changes by polling): a load balancer must keep it.
    expect(degraded.status).toBe(200);
    expect(degraded.body).toMatchObject({ status: 'degraded', degraded: ['redis'] });
    expect(degraded.body.down).toBeUndefined();
    expect(degraded.body.checks).toMatchObject({ database: 'ok', redis: 'down' });
    const told = await ready({ authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(told.body.checks.redis).toContain('Redis cannot be reached');
    expect(told.body.checks.redis).toContain('polls the database for changes');
    // @see multinode QA: the reason quoted ioredis ("Stream isn't writeable …"), not the connection's.
    await eventually(
      async () =>
        /\(connect ECONNREFUSED 127\.0\.0\.1:\d+\)/.test(
          (await ready({ authorization: `Bearer ${ADMIN_TOKEN}` })).body.checks.redis ?? '',
        ),
      20_000,
    );
    await redisRelay.start();
    await eventually(async () => (await ready()).body.status === 'ready', 20_000);
  });

  it('does not hold up a management write while Redis keeps its connection but stops answering', async () => {
    expect((await t.admin('PUT', `${SITES_PATH}/held`, { sku: { name: 'Standard' } })).status).toBe(201);
    redisRelay.hold();
    try {
      const saved = await t.admin('PUT', `${SITES_PATH}/held/builds/default/config/appsettings`, {
        properties: { WHILE_HELD: '1' },
      });
      expect(saved.status, saved.text).toBe(200);
      await eventually(async () => (await ready()).body.status === 'degraded', 20_000);
    } finally {
      redisRelay.resume();
    }
    await eventually(async () => (await ready()).body.status === 'ready', 20_000);
  });

  it('a node started while Redis is unreachable serves, degraded, and joins Redis once it answers', async () => {
    await redisRelay.stop();
    const logger = recordingLogger();
    const late = await startTestService({
      databaseUrl: through(
        new URL(database.location.dialect === 'postgres' ? database.location.url : '').toString(),
        pgRelay,
      ),
      redisUrl: through(REDIS_URL ?? '', redisRelay),
      secretKey: 'readiness-test-service-key',
      logger,
    });
    try {
      const readyz = async () => (await send(`${late.service.adminUrl}/readyz`)).json<ReadyBody>();
      expect(await readyz()).toMatchObject({ status: 'degraded', degraded: ['redis'] });
      expect(logger.text()).toMatch(
        /warn: Redis at redis:\/\/127\.0\.0\.1:\d+\/?\S* is unreachable .*serving without it/,
      );
      // The reason is the connection's, as in the warning, not ioredis's refusal of the command.
      const told = await send(`${late.service.adminUrl}/readyz`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const reason = told.json<ReadyBody>().checks.redis ?? '';
      expect(reason).toMatch(/^Redis cannot be reached \(connect ECONNREFUSED 127\.0\.0\.1:\d+\);/);
      expect(reason).not.toContain('enableOfflineQueue');
      await redisRelay.start();
      await eventually(async () => (await readyz()).status === 'ready', 20_000);
    } finally {
      await late.close();
      await removeData(late.dataDir);
    }
  });

  it('stays ready but degraded, naming the database, while PostgreSQL is unreachable', async () => {
    // The node rejoins Redis after the test before within a few seconds.
    await eventually(async () => (await ready()).body.status === 'ready', 20_000);
    await pgRelay.stop();
    const down = await ready();
    // Every node loses the database at once and still serves what it has loaded: a load balancer must
    // not take them all out.
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ status: 'degraded', degraded: ['database'] });
    expect(down.body.down).toBeUndefined();
    // Why, with the relay's address, only for the admin token: a probe or a site's function reads 'down'.
    expect(down.body.checks.database).toBe('down');
    expect(JSON.stringify(down.body)).not.toContain(String(pgRelay.port));
    const told = await ready({ authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(told.body.checks.database).toContain('the database cannot be reached');
    await redisRelay.stop();
    expect((await ready()).body).toMatchObject({ degraded: ['database', 'redis'] });
    await pgRelay.start();
    await redisRelay.start();
    await eventually(async () => (await ready()).body.status === 'ready', 20_000);
  });

  it('answers the management API 503 STORAGE_UNAVAILABLE without the database, and serves the sites meanwhile', async () => {
    const host = await createDeployedSite(t, 'steady', { files: { 'index.html': '<h1>steady</h1>' } });
    await pgRelay.stop();
    const answer = await t.admin('GET', SITES_PATH);
    expect(answer.status, answer.text).toBe(503);
    const error = answer.json<{ error: { code: string; message: string } }>().error;
    expect(error.code).toBe('STORAGE_UNAVAILABLE');
    expect(error.message).toContain('The database cannot be reached');
    expect((await t.get(host, '/')).text).toContain('steady');
    await pgRelay.start();
    await eventually(async () => (await t.admin('GET', SITES_PATH)).status === 200, 20_000);
  });
});
