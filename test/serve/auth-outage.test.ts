/**
 * `/.auth` while the database is out of reach, on two `portico serve` nodes sharing PostgreSQL and Redis:
 * a sign-out ends the session at once on the node that took it and, once the database is back, on every
 * node; purge, an invitation link and a sign-in's return from the provider answer 503 "try again", not
 * 500, and the log line carries the answer's request id. The database is reached through a relay the test
 * cuts, never stopped itself.
 * @see multi-node QA (/tmp/qa/multi): items 1 and 2
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestResponse } from '../helpers/app.js';
import { createPostgresDatabase, hasPostgres, testDatabases, testRedisUrl } from '../helpers/databases.js';
import { type RecordingLogger, recordingLogger } from '../helpers/functions-host.js';
import { startOidcProvider, TestBrowser, type TestOidcProvider } from '../helpers/oidc.js';
import {
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
/** Long enough that only Redis news (or this node's own write) can explain a change seen in the test. */
const SLOW_POLL_MS = 60_000;
const OUTAGE_PATIENCE_MS = 30_000;

describe.skipIf(!hasPostgres() || REDIS_URL === undefined)('/.auth while the database is unreachable', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let pgRelay: TcpRelay;
  let idp: TestOidcProvider;
  let a: TestService;
  let b: TestService;
  let logA: RecordingLogger;
  let host: string;

  const startNode = (logger: RecordingLogger) => {
    const url = new URL(database.location.dialect === 'postgres' ? database.location.url : '');
    url.hostname = '127.0.0.1';
    url.port = String(pgRelay.port);
    return startTestService({
      databaseUrl: url.toString(),
      redisUrl: REDIS_URL,
      secretKey: 'auth-outage-test-service-key',
      pollIntervalMs: SLOW_POLL_MS,
      logger,
      extra: { identityProviderAddresses: ['127.0.0.1'] },
    });
  };
  const mint = async (userDetails: string) => {
    const minted = await a.admin('POST', `${SITES_PATH}/outage/createTestSession`, {
      properties: { provider: 'okta', userDetails },
    });
    expect(minted.status, minted.text).toBe(200);
    const session = minted.json<{ properties: { cookieName: string; cookieValue: string } }>().properties;
    return `${session.cookieName}=${session.cookieValue}`;
  };
  const principalOn = async (node: TestService, cookie: string) =>
    (await node.get(host, '/.auth/me', { headers: { cookie } })).json<{ clientPrincipal: unknown }>()
      .clientPrincipal;
  /** The error lines of `log` since `from` that name `answer`'s request id. */
  const linesOf = (log: RecordingLogger, answer: TestResponse, from: number) => {
    const id = answer.header('x-ms-request-id') ?? 'no request id';
    return log.lines.slice(from).filter((line) => line.startsWith('error: ') && line.includes(id));
  };

  beforeAll(async () => {
    database = await createPostgresDatabase(POSTGRES_URL);
    const pgUrl = new URL(database.location.dialect === 'postgres' ? database.location.url : '');
    pgRelay = await startTcpRelay({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    idp = await startOidcProvider();
    logA = recordingLogger();
    a = await startNode(logA);
    b = await startNode(recordingLogger());
    host = await createDeployedSite(a, 'outage', {
      files: { 'index.html': '<h1>outage</h1>' },
      config: {
        auth: {
          identityProviders: {
            customOpenIdConnectProviders: {
              okta: {
                registration: {
                  clientIdSettingName: 'OKTA_ID',
                  clientCredential: { clientSecretSettingName: 'OKTA_SECRET' },
                  openIdConnectConfiguration: { wellKnownOpenIdConfiguration: idp.wellKnown },
                },
                login: { nameClaimType: 'email', scopes: ['openid', 'profile', 'email'] },
              },
            },
          },
        },
      },
      settings: { OKTA_ID: 'portico-outage', OKTA_SECRET: 'outage-secret' },
    });
    idp.setClients([
      {
        clientId: 'portico-outage',
        clientSecret: 'outage-secret',
        redirectUris: [`${a.service.publicUrl(host)}/.auth/login/okta/callback`],
      },
    ]);
    await eventually(
      async () => (await b.get(host, '/')).text.includes('<h1>outage</h1>'),
      OUTAGE_PATIENCE_MS,
    );
  }, 60_000);
  afterAll(async () => {
    await pgRelay?.start().catch(() => undefined);
    for (const node of [a, b]) {
      await node?.close();
      await removeData(node?.dataDir ?? '');
    }
    await idp?.close();
    await pgRelay?.close();
    await database?.cleanup();
  });

  it('a sign-out is refused at once by the node that took it, and by every node once the database is back', async () => {
    const cookie = await mint('rosa');
    expect(await principalOn(a, cookie)).not.toBeNull();
    expect(await principalOn(b, cookie)).not.toBeNull();
    const from = logA.lines.length;
    await pgRelay.stop();
    try {
      const logout = await a.get(host, '/.auth/logout', { headers: { cookie } });
      expect(logout.status).toBe(302);
      expect(String(logout.headers['set-cookie'])).toMatch(
        /StaticWebAppsAuthCookie=[^;]*; .*Expires=Thu, 01 Jan 1970/,
      );
      // A copy of the cookie is refused on this node at once, though nothing could be written.
      expect(await principalOn(a, cookie)).toBeNull();
      const [line] = linesOf(logA, logout, from);
      expect(line).toContain('could not record a sign-out');
      expect(line).toContain('records the sign-out for every node once the database answers');
    } finally {
      await pgRelay.start();
    }
    // Recorded when the database answers again; the other node hears of it (it polls once a minute).
    await eventually(async () => (await principalOn(b, cookie)) === null, OUTAGE_PATIENCE_MS);
    expect(await principalOn(a, cookie)).toBeNull();
    expect(logA.text()).toContain('recorded 1 sign-out(s) made while the database was unreachable');
  }, 60_000);

  it('purge answers 503 "try again" without the database, and its log line names the request id', async () => {
    const cookie = await mint('sven');
    const from = logA.lines.length;
    await pgRelay.stop();
    try {
      const purged = await a.get(host, '/.auth/purge/okta', { headers: { cookie } });
      expect(purged.status, purged.text).toBe(503);
      expect(purged.text).toContain('temporarily unavailable');
      expect(purged.text).toContain('Try again');
      expect(linesOf(logA, purged, from).join('\n')).toContain('/.auth (request');
      expect(linesOf(logA, purged, from).join('\n')).toContain('the database cannot be reached');
    } finally {
      await pgRelay.start();
    }
    // Nothing was forgotten: the session still reads, and purge works once the database is back.
    expect(await principalOn(a, cookie)).not.toBeNull();
    await eventually(
      async () => (await a.get(host, '/.auth/purge/okta', { headers: { cookie } })).status === 302,
      OUTAGE_PATIENCE_MS,
    );
  }, 60_000);

  it('an invitation link answers 503 "try again" without the database, and its log line names the request id', async () => {
    const invited = await a.admin('POST', `${SITES_PATH}/outage/createUserInvitation`, {
      properties: { provider: 'okta', userDetails: 'tove', roles: 'member', numHoursToExpiration: 1 },
    });
    expect(invited.status, invited.text).toBe(200);
    const link = new URL(invited.json<{ properties: { invitationUrl: string } }>().properties.invitationUrl);
    const cookie = await mint('tove');
    const from = logA.lines.length;
    await pgRelay.stop();
    try {
      const opened = await a.get(host, link.pathname, { headers: { cookie } });
      expect(opened.status, opened.text).toBe(503);
      expect(opened.text).toContain('temporarily unavailable');
      expect(linesOf(logA, opened, from).join('\n')).toContain('the database cannot be reached');
    } finally {
      await pgRelay.start();
    }
    await eventually(
      async () => (await a.get(host, link.pathname, { headers: { cookie } })).status === 302,
      OUTAGE_PATIENCE_MS,
    );
  }, 60_000);

  it('a sign-in\'s return from the provider answers 503 "try again" when the user cannot be recorded', async () => {
    const browser = new TestBrowser((url) =>
      url.hostname === host
        ? { origin: a.service.url, host: url.host }
        : { origin: url.origin, host: url.host },
    );
    const atCallback = (url: URL) => url.pathname === '/.auth/login/okta/callback';
    const providerPage = await browser.get(`${a.service.publicUrl(host)}/.auth/login/okta`);
    const stopped = await browser.signInAtProvider(providerPage, 'ulla', atCallback);
    expect(new URL(stopped.text).pathname).toBe('/.auth/login/okta/callback');
    const from = logA.lines.length;
    await pgRelay.stop();
    try {
      const returned = await browser.get(stopped.text, { stopAt: () => true });
      expect(returned.status, returned.text).toBe(503);
      expect(returned.text).toContain('temporarily unavailable');
      const id = String(returned.headers['x-ms-request-id']);
      const lines = logA.lines.slice(from).filter((line) => line.startsWith('error: ') && line.includes(id));
      expect(lines.join('\n')).toContain('the database cannot be reached');
    } finally {
      await pgRelay.start();
    }
  }, 60_000);
});
