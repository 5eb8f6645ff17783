/**
 * SQLite migrations are all or nothing: a start killed (or failing) in the middle leaves the database as
 * it was, and the next start runs them again from there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Kysely, type Migration, Migrator, sql } from '../shared/kysely.js';
import { PorticoSqliteDialect } from './sqlite-dialect.js';
import { storageUnavailable } from './unavailable.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openFile(): Promise<{ file: string; open: () => Kysely<unknown> }> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-sqlite-'));
  dirs.push(dir);
  const file = join(dir, 'portico.db');
  return {
    file,
    open: () => new Kysely({ dialect: new PorticoSqliteDialect({ database: new Database(file) }) }),
  };
}

const createTable = (name: string): Migration => ({
  up: async (db) => {
    await db.schema.createTable(name).addColumn('id', 'text').execute();
  },
});

async function tables(db: Kysely<unknown>): Promise<string[]> {
  const rows = await sql<{
    name: string;
  }>`select name from sqlite_master where type = 'table' and name not like 'kysely%' order by name`.execute(
    db,
  );
  return rows.rows.map((row) => row.name);
}

describe('SQLite migrations', () => {
  it('leave nothing of a batch that fails part-way, and the next run completes it', async () => {
    const { open } = await openFile();
    const failing: Record<string, Migration> = {
      '0001-a': createTable('a'),
      '0002-b': {
        up: async (db) => {
          await db.schema.createTable('b').addColumn('id', 'text').execute();
          throw new Error('killed here');
        },
      },
    };
    const first = open();
    const result = await new Migrator({
      db: first,
      provider: { getMigrations: async () => failing },
    }).migrateToLatest();
    expect(String(result.error)).toContain('killed here');
    expect(await tables(first)).toEqual([]);
    await first.destroy();

    const second = open();
    const done = await new Migrator({
      db: second,
      provider: { getMigrations: async () => ({ '0001-a': createTable('a'), '0002-b': createTable('b') }) },
    }).migrateToLatest();
    expect(done.error).toBeUndefined();
    expect(await tables(second)).toEqual(['a', 'b']);
    await second.destroy();
  });
});

describe('SQLite transactions', () => {
  it('fail with SQLite’s own error when SQLite rolled the transaction back itself (a full disk)', async () => {
    const { open } = await openFile();
    const db = open();
    await db.schema.createTable('filler').addColumn('data', 'blob').execute();
    // The database may not grow past its current pages: a write that needs more fails SQLITE_FULL for real.
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
    await sql.raw(`pragma max_page_count = ${rows[0]?.page_count ?? 0}`).execute(db);
    const failure = await db
      .transaction()
      .execute(async (trx) => {
        await trx
          .insertInto('filler' as never)
          .values({ data: Buffer.alloc(256 * 1024) } as never)
          .execute();
      })
      .catch((error: unknown) => error);
    await db.destroy();
    expect(failure).toMatchObject({ code: 'SQLITE_FULL' });
    expect(storageUnavailable(failure)?.message).toContain('(SQLITE_FULL)');
  });
});
