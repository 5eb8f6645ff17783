/**
 * The `changes` log that nodes follow is pruned: rows older than a day go (at start and hourly), so it
 * does not grow with every deploy for the life of the service; and a node that has not read the log for
 * half of that reloads everything, so rows pruned while it was away are not missed. Real SQLite and
 * PostgreSQL.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/index.js';
import { eventually, writeApp } from '../helpers/app.js';
import { createPostgresDatabase, hasPostgres, testDatabases } from '../helpers/databases.js';
import { recordingLogger } from '../helpers/functions-host.js';
import {
  deployFolders,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

testDatabases();
const HOUR_MS = 60 * 60_000;
const started: TestService[] = [];

afterAll(async () => {
  for (const node of started) {
    await node.close();
    await removeData(node.dataDir);
  }
});

/** A clock the test moves. */
function movableClock(): { now: () => Date; advance(ms: number): void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => (offset += ms) };
}

describe('the change log', () => {
  it('loses rows older than a day when a node starts, and keeps newer ones', async () => {
    const clock = movableClock();
    const first = await startTestService({ clock: clock.now });
    started.push(first);
    for (const name of ['old-a', 'old-b']) {
      expect((await first.admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: 'Free' } })).status).toBe(201);
    }
    await first.close();
    clock.advance(25 * HOUR_MS);
    const second = await startTestService({ dataDir: first.dataDir, clock: clock.now });
    started.push(second);
    expect((await second.admin('PUT', `${SITES_PATH}/new-c`, { sku: { name: 'Free' } })).status).toBe(201);
    const storage = await openDatabase({ dialect: 'sqlite', file: join(first.dataDir, 'portico.db') });
    try {
      await eventually(async () => {
        const rows = await storage.db.selectFrom('changes').select(['at']).execute();
        const cutoff = new Date(clock.now().getTime() - 24 * HOUR_MS).toISOString();
        return rows.length > 0 && rows.every((row) => row.at >= cutoff);
      });
    } finally {
      await storage.close();
    }
    // The sites whose rows went are still there and served as before.
    const sites = await second.admin('GET', SITES_PATH);
    expect(sites.text).toContain('old-a');
    expect(sites.text).toContain('old-b');
  });

  it.skipIf(!hasPostgres())(
    'a node that has not read it for over 12 hours reloads every site, so what was pruned meanwhile is not missed',
    async () => {
      const database = await createPostgresDatabase(process.env.PORTICO_TEST_DATABASE_URL ?? '');
      try {
        const url = database.location.dialect === 'postgres' ? database.location.url : '';
        const clock = movableClock();
        const logger = recordingLogger();
        const writer = await startTestService({ databaseUrl: url, secretKey: 'k', pollIntervalMs: 60_000 });
        started.push(writer);
        const follower = await startTestService({
          databaseUrl: url,
          secretKey: 'k',
          pollIntervalMs: 60_000,
          clock: clock.now,
          logger,
        });
        started.push(follower);
        const created = await writer.admin('PUT', `${SITES_PATH}/missed`, { sku: { name: 'Free' } });
        const body = created.json<{ properties: { defaultHostname: string; apiKey: string } }>();
        const app = await writeApp({ 'index.html': '<h1>deployed while away</h1>' });
        expect((await deployFolders(writer.service, body.properties.apiKey, app)).status).toBe(200);
        // The follower has not polled yet (once a minute); its rows are pruned as if a day had passed.
        const storage = await openDatabase(database.location);
        try {
          await storage.db.deleteFrom('changes').execute();
        } finally {
          await storage.close();
        }
        clock.advance(13 * HOUR_MS);
        // A write on the follower makes it read the log at once.
        expect((await follower.admin('PUT', `${SITES_PATH}/nudge`, { sku: { name: 'Free' } })).status).toBe(
          201,
        );
        const page = await follower.get(body.properties.defaultHostname, '/');
        expect(page.text).toContain('deployed while away');
        expect(logger.text()).toContain('the change log was last read over 12 hours ago');
      } finally {
        await database.cleanup();
      }
    },
  );
});
