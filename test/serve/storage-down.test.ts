/**
 * `portico serve` on PostgreSQL when the database goes away while it runs: the management API says the
 * database cannot be reached (503 STORAGE_UNAVAILABLE) instead of an internal error, the sites keep
 * serving, and the API answers again once the database is back. The database is reached through a TCP
 * relay of this test, which is cut and restored.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, hasPostgres } from '../helpers/databases.js';
import {
  createDeployedSite,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const POSTGRES_URL = process.env.PORTICO_TEST_DATABASE_URL ?? '';

/** A TCP relay to `target` that can be cut (every connection closed, new ones refused) and restored. */
async function startRelay(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const open = async (port: number) => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as { port: number }).port;
  };
  const port = await open(0);
  return {
    port,
    async cut() {
      const closing = server === undefined ? undefined : once(server, 'close');
      server?.close();
      for (const socket of sockets) {
        socket.destroy();
      }
      await closing;
    },
    restore: () => open(port),
  };
}

describe.runIf(hasPostgres())('portico serve when PostgreSQL goes away', () => {
  let t: TestService;
  let host: string;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const database = await createPostgresDatabase(POSTGRES_URL);
    cleanup = database.cleanup;
    const url = new URL(database.location.dialect === 'postgres' ? database.location.url : '');
    relay = await startRelay(new URL(url));
    url.hostname = '127.0.0.1';
    url.port = String(relay.port);
    t = await startTestService({ databaseUrl: url.toString() });
    host = await createDeployedSite(t, 'steady', { files: { 'index.html': '<h1>steady</h1>' } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
    await cleanup?.();
  });

  it('answers 503 STORAGE_UNAVAILABLE saying the database cannot be reached, and serves the sites meanwhile', async () => {
    await relay.cut();
    const answer = await t.admin('GET', SITES_PATH);
    expect(answer.status, answer.text).toBe(503);
    const error = answer.json<{ error: { code: string; message: string } }>().error;
    expect(error.code).toBe('STORAGE_UNAVAILABLE');
    expect(error.message).toContain('The database cannot be reached');
    expect((await t.get(host, '/')).text).toContain('steady');
    await relay.restore();
    let again = await t.admin('GET', SITES_PATH);
    while (again.status === 503) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await t.admin('GET', SITES_PATH);
    }
    expect(again.status).toBe(200);
  });
});
