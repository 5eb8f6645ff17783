import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from '../shared/kysely.js';
import { openDatabase } from './database.js';

describe('openDatabase', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('says a database upgraded by a newer Portico is one, not a corrupted or unreachable database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-db-'));
    dirs.push(dir);
    const location = { dialect: 'sqlite' as const, file: join(dir, 'portico.db') };
    const first = await openDatabase(location);
    await sql`insert into kysely_migration (name, timestamp) values ('9999-from-the-future', '2099-01-01T00:00:00.000Z')`.execute(
      first.db,
    );
    await first.close();
    await expect(openDatabase(location)).rejects.toMatchObject({
      code: 'STORAGE_TOO_NEW',
      message: expect.stringContaining(
        'was upgraded by a newer version of Portico (it has its migration 9999-from-the-future, which this version does not know)',
      ),
    });
  });

  it('names the migrations a start applied to an older database, and none for a new one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-db-'));
    dirs.push(dir);
    const location = { dialect: 'sqlite' as const, file: join(dir, 'portico.db') };
    const created = await openDatabase(location);
    expect(created.upgraded).toEqual([]);
    // As a database of the version before the last three migrations.
    await sql`alter table identity_subjects drop column epoch`.execute(created.db);
    await sql`drop table forgotten_user_ids`.execute(created.db);
    await sql`delete from kysely_migration where name >= '0015-identity-subject-epochs'`.execute(created.db);
    await created.close();
    const upgraded = await openDatabase(location);
    expect(upgraded.upgraded).toEqual([
      '0015-identity-subject-epochs',
      '0016-identity-records-of-deleted-sites',
      '0017-forgotten-user-ids',
    ]);
    await upgraded.close();
    const current = await openDatabase(location);
    expect(current.upgraded).toEqual([]);
    await current.close();
  });
});
