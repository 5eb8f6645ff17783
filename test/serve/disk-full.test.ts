/**
 * A full disk under SQLite is said as such (found by an operator's tester): a management write answers
 * 503 STORAGE_UNAVAILABLE naming SQLITE_FULL, not 500 "An internal error occurred" with a log of
 * "cannot rollback - no transaction is active". The database is made full for real: `max_page_count` on
 * the service's own connection stops it from growing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/shared/kysely.js';
import { removeData, SITES_PATH, startTestService, type TestService } from '../helpers/service.js';

describe('a SQLite database that cannot grow (a full disk)', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t.close();
    await removeData(t.dataDir);
  });

  it('answers a management write 503 STORAGE_UNAVAILABLE naming SQLITE_FULL', async () => {
    expect((await t.admin('PUT', `${SITES_PATH}/full`, { sku: { name: 'Standard' } })).status).toBe(201);
    const db = t.service.control.db;
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
    await sql.raw(`pragma max_page_count = ${rows[0]?.page_count ?? 0}`).execute(db);
    const answer = await t.admin('PUT', `${SITES_PATH}/full/config/appsettings`, {
      properties: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`BIG_${i}`, 'x'.repeat(60_000)])),
    });
    expect(answer.status, answer.text).toBe(503);
    expect(answer.json()).toMatchObject({
      error: { code: 'STORAGE_UNAVAILABLE', message: expect.stringContaining('(SQLITE_FULL)') },
    });
  });
});
