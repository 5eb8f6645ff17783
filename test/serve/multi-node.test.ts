/**
 * Several `portico serve` nodes on one PostgreSQL database behave as one service (CONTRACT §4): what one
 * node's admin API or data plane changes, every node serves. With Redis the news arrives at once (the
 * nodes here poll only once a minute); without it, nodes follow by polling. Real PostgreSQL, real Redis.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseLocation, openDatabase } from '../../src/storage/index.js';
import { eventually, send, writeApp } from '../helpers/app.js';
import { startBackend } from '../helpers/backend.js';
import { createPostgresDatabase, hasPostgres, testDatabases, testRedisUrl } from '../helpers/databases.js';
import { recordingLogger } from '../helpers/functions-host.js';
import {
  ADMIN_TOKEN,
  deployFolders,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';
import { parsePrometheus } from '../ops/prometheus.js';

// Prints the skip notice (or fails under PORTICO_REQUIRE_POSTGRES=1) when PostgreSQL is not configured.
testDatabases();
const POSTGRES_URL = process.env.PORTICO_TEST_DATABASE_URL ?? '';
const REDIS_URL = testRedisUrl();
/** Long enough that only a Redis message can explain a change arriving within the test's patience. */
const SLOW_POLL_MS = 60_000;
/** Every node of one service has the same service key. */
const SECRET_KEY = 'multi-node-test-service-key';

describe.skipIf(!hasPostgres())('several portico serve nodes on one PostgreSQL database', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  const nodes: TestService[] = [];

  async function startNode(options: { redis: boolean; pollIntervalMs: number }): Promise<TestService> {
    const url = database.location.dialect === 'postgres' ? database.location.url : '';
    const node = await startTestService({
      databaseUrl: url,
      secretKey: SECRET_KEY,
      redisUrl: options.redis ? REDIS_URL : undefined,
      pollIntervalMs: options.pollIntervalMs,
    });
    nodes.push(node);
    return node;
  }

  async function page(node: TestService, host: string, path = '/', cookie?: string): Promise<string> {
    return (await node.get(host, path, cookie === undefined ? {} : { headers: { cookie } })).text;
  }

  beforeAll(async () => {
    database = await createPostgresDatabase(POSTGRES_URL);
  });
  afterAll(async () => {
    for (const node of nodes) {
      await node.close();
      await removeData(node.dataDir);
    }
    await database.cleanup();
  });

  describe.skipIf(REDIS_URL === undefined)('with Redis', () => {
    let a: TestService;
    let b: TestService;
    let host: string;
    let token: string;

    beforeAll(async () => {
      a = await startNode({ redis: true, pollIntervalMs: SLOW_POLL_MS });
      b = await startNode({ redis: true, pollIntervalMs: SLOW_POLL_MS });
      const created = await a.admin('PUT', `${SITES_PATH}/shared`, { sku: { name: 'Standard' } });
      expect(created.status).toBe(201);
      const body = created.json<{ properties: { defaultHostname: string; apiKey: string } }>();
      host = body.properties.defaultHostname;
      token = body.properties.apiKey;
    });

    it('a deployment made through one node is served by the other at once', async () => {
      const v1 = await writeApp(
        { 'index.html': '<h1>shared v1</h1>', 'members/index.html': 'members only' },
        { routes: [{ route: '/members/*', allowedRoles: ['member'] }] },
      );
      expect((await deployFolders(a.service, token, v1)).status).toBe(200);
      await eventually(async () => (await page(b, host)).includes('shared v1'));
      const v2 = await writeApp({ 'index.html': '<h1>shared v2</h1>' });
      expect((await deployFolders(b.service, token, v2)).status).toBe(200);
      await eventually(async () => (await page(a, host)).includes('shared v2'));
      // Back to v1 (its members page) for the role checks below.
      expect((await deployFolders(a.service, token, v1)).status).toBe(200);
      await eventually(async () => (await page(b, host)).includes('shared v1'));
    });

    it('a session minted on one node works on the other, and roles granted on one apply on both', async () => {
      const minted = await a.admin('POST', `${SITES_PATH}/shared/createTestSession`, {
        properties: { provider: 'github', userDetails: 'nina' },
      });
      const session = minted.json<{ properties: { cookieName: string; cookieValue: string } }>().properties;
      const cookie = `${session.cookieName}=${session.cookieValue}`;
      expect((await b.get(host, '/members/', { headers: { cookie } })).status).toBe(403);

      const invited = await b.admin('POST', `${SITES_PATH}/shared/createUserInvitation`, {
        properties: { provider: 'github', userDetails: 'nina', roles: 'member', numHoursToExpiration: 1 },
      });
      const link = new URL(
        invited.json<{ properties: { invitationUrl: string } }>().properties.invitationUrl,
      );
      // Accepted on node A's data plane; node B learns of it through Redis.
      expect((await a.get(host, link.pathname, { headers: { cookie } })).status).toBe(302);
      await eventually(async () => (await page(b, host, '/members/', cookie)).includes('members only'));
    });

    it('a session signed out on one node is refused by the other', async () => {
      const minted = await a.admin('POST', `${SITES_PATH}/shared/createTestSession`, {
        properties: { provider: 'github', userDetails: 'olga' },
      });
      const session = minted.json<{ properties: { cookieName: string; cookieValue: string } }>().properties;
      const cookie = `${session.cookieName}=${session.cookieValue}`;
      const principalOn = async (node: TestService) =>
        (await node.get(host, '/.auth/me', { headers: { cookie } })).json<{ clientPrincipal: unknown }>()
          .clientPrincipal;
      expect(await principalOn(b)).not.toBeNull();
      expect((await a.get(host, '/.auth/logout', { headers: { cookie } })).status).toBe(302);
      expect(await principalOn(a)).toBeNull();
      await eventually(async () => (await principalOn(b)) === null);
    });

    it('a user purged on one node is signed out on the other, in every browser', async () => {
      const mint = async () => {
        const minted = await a.admin('POST', `${SITES_PATH}/shared/createTestSession`, {
          properties: { provider: 'github', userDetails: 'pia' },
        });
        const session = minted.json<{ properties: { cookieName: string; cookieValue: string } }>().properties;
        return `${session.cookieName}=${session.cookieValue}`;
      };
      const [purging, other] = [await mint(), await mint()];
      const principalOn = async (node: TestService, cookie: string) =>
        (await node.get(host, '/.auth/me', { headers: { cookie } })).json<{ clientPrincipal: unknown }>()
          .clientPrincipal;
      expect(await principalOn(b, other)).not.toBeNull();
      expect((await a.get(host, '/.auth/purge/github', { headers: { cookie: purging } })).status).toBe(302);
      expect(await principalOn(a, other)).toBeNull();
      await eventually(async () => (await principalOn(b, other)) === null);
    });

    it('a reset deployment token is refused by every node', async () => {
      const reset = await a.admin('POST', `${SITES_PATH}/shared/resetapikey`, {});
      expect(reset.status).toBe(200);
      const app = await writeApp({ 'index.html': 'must not deploy' });
      const refused = await deployFolders(b.service, token, app);
      expect(refused.status).toBe(401);
      expect(await page(a, host)).toContain('shared v1');
    });

    it('a gateway configured through one node serves on the other at once, and both count one rate limit in Redis', async () => {
      const backend = await startBackend();
      try {
        // A fresh service name per run, so counters left in Redis by an earlier run cannot interfere.
        const name = `gw${Date.now().toString(36)}`;
        const svc = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/${name}`;
        expect((await a.admin('PUT', svc, { properties: {} })).status).toBe(201);
        await a.admin('PUT', `${svc}/apis/echo`, {
          properties: { path: 'echo', serviceUrl: backend.url, subscriptionRequired: false },
        });
        await a.admin('PUT', `${svc}/apis/echo/operations/get`, {
          properties: { method: 'GET', urlTemplate: '/*' },
        });
        const policy = await a.admin('PUT', `${svc}/apis/echo/policies/policy`, {
          properties: {
            format: 'rawxml',
            value:
              '<policies><inbound><base /><rate-limit-by-key calls="3" renewal-period="60" counter-key="@(context.Request.IpAddress)" remaining-calls-header-name="x-remaining" /></inbound></policies>',
          },
        });
        expect(policy.status).toBe(201);
        const gateway = `${name}.azure-api.portico.test`;
        // Wait until b runs the policy (its answer carries the remaining-calls header); that call counts.
        await eventually(async () => (await b.get(gateway, '/echo/x')).header('x-remaining') !== undefined);
        const statuses = [];
        for (const node of [a, b, a, b]) {
          statuses.push((await node.get(gateway, '/echo/x')).status);
        }
        // The probe that saw the policy on b counted one call, so a shared counter admits two more;
        // counters per node would have admitted three.
        expect(statuses).toEqual([200, 200, 429, 429]);
        const refused = await a.get(gateway, '/echo/x');
        expect(refused.status).toBe(429);
        expect(refused.json<{ message: string }>().message).toMatch(
          /^Rate limit is exceeded\. Try again in \d+ seconds\.$/,
        );
      } finally {
        await backend.close();
      }
    });

    /** @see multinode QA: service D on another database got 403 (quota) on its first call; news crossed. */
    it('another service on the same Redis (its own database and key) shares no counters and no change news with this one', async () => {
      const backend = await startBackend();
      const other = await startTestService({
        redisUrl: REDIS_URL,
        secretKey: 'another-service-key',
        pollIntervalMs: SLOW_POLL_MS,
      });
      const redis = new Redis(REDIS_URL ?? '');
      const listener = new Redis(REDIS_URL ?? '');
      const ids: string[] = [];
      try {
        const url = database.location.dialect === 'postgres' ? database.location.url : '';
        ids.push(await serviceIdOf({ dialect: 'postgres', url }));
        ids.push(await serviceIdOf({ dialect: 'sqlite', file: join(other.dataDir, 'portico.db') }));
        expect(ids[0]).not.toBe(ids[1]);
        // Each service's news goes on a channel of its own.
        const heard: string[] = [];
        listener.on('message', (channel: string) => heard.push(channel));
        await listener.subscribe(...ids.map((id) => `portico:changes:${id}`));
        await other.admin('PUT', `${SITES_PATH}/elsewhere`, { sku: { name: 'Free' } });
        await eventually(async () => heard.includes(`portico:changes:${ids[1]}`));
        await a.admin('PUT', `${SITES_PATH}/here`, { sku: { name: 'Free' } });
        await eventually(async () => heard.includes(`portico:changes:${ids[0]}`));

        // The same gateway, subscription and policy names in both services: counted apart.
        const name = `qagw${Date.now().toString(36)}`;
        const gateway = `${name}.azure-api.portico.test`;
        const keys: Record<string, string>[] = [];
        for (const node of [a, other]) {
          keys.push(await createQuotaGateway(node, name, backend.url));
        }
        await eventually(async () => (await b.get(gateway, '/echo/x', { headers: keys[0] })).status === 403);
        expect((await a.get(gateway, '/echo/x', { headers: keys[0] })).status).toBe(403);
        expect((await other.get(gateway, '/echo/x', { headers: keys[1] })).status).toBe(200);
        // Each service's keys are under its own prefix (an operator can tell them apart and remove them).
        for (const id of ids) {
          expect(await redis.keys(`portico:${id}:counters:*`)).not.toEqual([]);
        }
      } finally {
        for (const id of ids) {
          const mine = await redis.keys(`portico:${id}:*`);
          await (mine.length === 0 ? undefined : redis.del(...mine));
        }
        redis.disconnect();
        listener.disconnect();
        await other.close();
        await removeData(other.dataDir);
        await backend.close();
      }
    });

    it("drops a deleted gateway API's, product's and service's metrics series on every node", async () => {
      const backend = await startBackend();
      try {
        const name = `gm${Date.now().toString(36)}`;
        const svc = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/${name}`;
        const puts: [string, unknown][] = [
          ['', {}],
          ['/apis/keep', { path: 'keep', serviceUrl: backend.url, subscriptionRequired: false }],
          ['/apis/keep/operations/get', { method: 'GET', urlTemplate: '/*' }],
          ['/apis/drop', { path: 'drop', serviceUrl: backend.url, subscriptionRequired: false }],
          ['/apis/drop/operations/get', { method: 'GET', urlTemplate: '/*' }],
          ['/products/gold', { displayName: 'Gold', subscriptionRequired: true, state: 'published' }],
          ['/products/gold/apis/keep', undefined],
          ['/subscriptions/gold1', { scope: '/products/gold', state: 'active' }],
        ];
        for (const [path, properties] of puts) {
          const response = await a.admin(
            'PUT',
            `${svc}${path}`,
            properties === undefined ? undefined : { properties },
          );
          expect([200, 201], `${path}: ${response.text}`).toContain(response.status);
        }
        const secrets = await a.admin('POST', `${svc}/subscriptions/gold1/listSecrets`);
        const key = { 'ocp-apim-subscription-key': secrets.json<{ primaryKey: string }>().primaryKey };
        const gateway = `${name}.azure-api.portico.test`;
        for (const node of [a, b]) {
          await eventually(async () => (await node.get(gateway, '/drop/x')).status === 200);
          expect((await node.get(gateway, '/keep/x', { headers: key })).status).toBe(200);
        }
        /** How many series of `metric` the node shows for this service with `labels` too. */
        const series = async (
          node: TestService,
          labels: Record<string, string>,
          metric = 'portico_gateway_calls_total',
          serviceLabel = 'service',
        ) => {
          const scrape = await send(`${node.service.adminUrl}/metrics`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          });
          const wanted = Object.entries({ [serviceLabel]: name, ...labels });
          return parsePrometheus(scrape.text).filter(
            (sample) => sample.name === metric && wanted.every(([k, v]) => sample.labels[k] === v),
          ).length;
        };
        /** The service's requests on the data-plane listener, counted with its name as `site`. */
        const requests = (node: TestService) =>
          series(node, { kind: 'gateway' }, 'portico_http_requests_total', 'site');
        for (const node of [a, b]) {
          expect(await series(node, { api: 'drop' })).toBeGreaterThan(0);
          expect(await series(node, { api: 'keep', product: 'gold' })).toBeGreaterThan(0);
          expect(await requests(node)).toBeGreaterThan(0);
        }
        // Deleted through a; b hears of it over Redis (it polls only once a minute).
        expect((await a.admin('DELETE', `${svc}/apis/drop`)).status).toBeLessThan(300);
        expect(
          (await a.admin('DELETE', `${svc}/products/gold?deleteSubscriptions=true`)).status,
        ).toBeLessThan(300);
        for (const node of [a, b]) {
          await eventually(async () => (await series(node, { api: 'drop' })) === 0);
          await eventually(async () => (await series(node, { product: 'gold' })) === 0);
        }
        expect((await b.get(gateway, '/keep/x')).status).toBe(200);
        expect(await series(b, { api: 'keep' })).toBeGreaterThan(0);
        expect((await a.admin('DELETE', svc)).status).toBeLessThan(300);
        for (const node of [a, b]) {
          await eventually(async () => (await series(node, {})) === 0);
          await eventually(async () => (await requests(node)) === 0);
        }
      } finally {
        await backend.close();
      }
    });

    it('a deleted site stops being served by every node', async () => {
      expect((await b.admin('DELETE', `${SITES_PATH}/shared`)).status).toBe(200);
      await eventually(async () => (await a.get(host, '/')).status === 404);
    });
  });

  it('without Redis, a node follows the others by polling the change log', async () => {
    const writer = await startNode({ redis: false, pollIntervalMs: SLOW_POLL_MS });
    const follower = await startNode({ redis: false, pollIntervalMs: 200 });
    const created = await writer.admin('PUT', `${SITES_PATH}/polled`, { sku: { name: 'Free' } });
    const body = created.json<{ properties: { defaultHostname: string; apiKey: string } }>();
    const app = await writeApp({ 'index.html': '<h1>polled</h1>' });
    expect((await deployFolders(writer.service, body.properties.apiKey, app)).status).toBe(200);
    await eventually(async () => (await page(follower, body.properties.defaultHostname)).includes('polled'));
  });

  // Decision 0126: a page of the new build, served by a node that took the deploy, asks a node that has
  // not heard of it yet (Redis away, next poll a minute off) for its assets; the miss makes that node read
  // the change log and answer from the new build instead of 404. It then keeps the old build's assets too.
  it('a node behind another answers the new build’s assets at once, and the old build’s for the grace', async () => {
    const writer = await startNode({ redis: false, pollIntervalMs: SLOW_POLL_MS });
    const created = await writer.admin('PUT', `${SITES_PATH}/skewed`, { sku: { name: 'Standard' } });
    const body = created.json<{ properties: { defaultHostname: string; apiKey: string } }>();
    const host = body.properties.defaultHostname;
    const v2 = await writeApp({
      'index.html': '<script src="/assets/app-2.js"></script>',
      'assets/app-2.js': 'build 2',
    });
    expect((await deployFolders(writer.service, body.properties.apiKey, v2)).status).toBe(200);
    const lagging = await startNode({ redis: false, pollIntervalMs: SLOW_POLL_MS });
    expect(await page(lagging, host)).toContain('app-2.js');
    const v3 = await writeApp({
      'index.html': '<script src="/assets/app-3.js"></script>',
      'assets/app-3.js': 'build 3',
    });
    expect((await deployFolders(writer.service, body.properties.apiKey, v3)).status).toBe(200);
    expect(await page(writer, host)).toContain('app-3.js');
    const asset = await lagging.get(host, '/assets/app-3.js');
    expect(asset.status).toBe(200);
    expect(asset.text).toBe('build 3');
    expect(await page(lagging, host)).toContain('app-3.js');
    expect(await page(lagging, host, '/assets/app-2.js')).toBe('build 2');
    expect(await page(writer, host, '/assets/app-2.js')).toBe('build 2');
  });

  // A client-side route misses on every navigation of a single-page app: it goes to the navigation
  // fallback of the build this node serves, without a read of the change log first (only a path with an
  // extension, as an asset has, makes a lagging node catch up).
  it('a client-side route on a node behind another gets its fallback page without catching up', async () => {
    const writer = await startNode({ redis: false, pollIntervalMs: SLOW_POLL_MS });
    const created = await writer.admin('PUT', `${SITES_PATH}/routed`, { sku: { name: 'Standard' } });
    const body = created.json<{ properties: { defaultHostname: string; apiKey: string } }>();
    const host = body.properties.defaultHostname;
    const spa = { navigationFallback: { rewrite: '/index.html' } };
    const v2 = await writeApp({ 'index.html': 'build 2 page' }, spa);
    expect((await deployFolders(writer.service, body.properties.apiKey, v2)).status).toBe(200);
    const lagging = await startNode({ redis: false, pollIntervalMs: SLOW_POLL_MS });
    expect(await page(lagging, host, '/users/42')).toBe('build 2 page');
    const v3 = await writeApp({ 'index.html': 'build 3 page' }, spa);
    expect((await deployFolders(writer.service, body.properties.apiKey, v3)).status).toBe(200);
    expect(await page(writer, host, '/users/42')).toBe('build 3 page');
    expect(await page(lagging, host, '/users/42')).toBe('build 2 page');
    expect(await page(lagging, host, '/users/john.doe')).toBe('build 3 page');
  });

  it('starts with an unreachable --redis-url, warning without its password, and follows by polling', async () => {
    const url = database.location.dialect === 'postgres' ? database.location.url : '';
    const logger = recordingLogger();
    const started = await startTestService({
      databaseUrl: url,
      secretKey: SECRET_KEY,
      redisUrl: 'redis://:hunter2@127.0.0.1:1',
      logger,
    });
    try {
      expect(logger.text()).toContain('Redis at redis://:***@127.0.0.1:1 is unreachable');
      expect(logger.text()).not.toContain('hunter2');
      const created = await started.admin('PUT', `${SITES_PATH}/unredis`, { sku: { name: 'Free' } });
      expect(created.status).toBe(201);
    } finally {
      await started.close();
      await removeData(started.dataDir);
    }
  });
});

/** The service id a database recorded at its first start (what its Redis keys and channel are named by). */
async function serviceIdOf(location: DatabaseLocation): Promise<string> {
  const storage = await openDatabase(location);
  try {
    const row = await storage.db
      .selectFrom('service_values')
      .select('value')
      .where('name', '=', 'service-id')
      .executeTakeFirst();
    return row?.value ?? 'none recorded';
  } finally {
    await storage.close();
  }
}

/**
 * The tester's gateway on `node`: API `echo` for subscription `sub1` only, with a quota-by-key of one
 * call per client address; answers the subscription key header.
 */
async function createQuotaGateway(
  node: TestService,
  name: string,
  backendUrl: string,
): Promise<Record<string, string>> {
  const svc = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/${name}`;
  const puts: [string, unknown][] = [
    ['', {}],
    ['/apis/echo', { path: 'echo', serviceUrl: backendUrl, subscriptionRequired: true }],
    ['/apis/echo/operations/get', { method: 'GET', urlTemplate: '/*' }],
    ['/subscriptions/sub1', { scope: '/apis/echo', state: 'active' }],
    [
      '/apis/echo/policies/policy',
      {
        format: 'rawxml',
        value:
          '<policies><inbound><base /><quota-by-key calls="1" renewal-period="3600" counter-key="@(context.Request.IpAddress)" /></inbound></policies>',
      },
    ],
  ];
  for (const [path, properties] of puts) {
    const response = await node.admin('PUT', `${svc}${path}`, { properties });
    expect([200, 201], `${path}: ${response.text}`).toContain(response.status);
  }
  const secrets = await node.admin('POST', `${svc}/subscriptions/sub1/listSecrets`);
  return { 'ocp-apim-subscription-key': secrets.json<{ primaryKey: string }>().primaryKey };
}
