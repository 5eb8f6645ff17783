/**
 * Migration 0015, which records the epoch each provider account's claim was made at. On SQLite, and on
 * PostgreSQL when configured.
 */
import { describe, expect, it } from 'vitest';
import { identityKey } from '../../src/control-plane/users.js';
import { sql } from '../../src/shared/kysely.js';
import { openDatabase } from '../../src/storage/index.js';
import { testDatabases } from '../helpers/databases.js';

describe.each(testDatabases())('migration 0015 on $name', (database) => {
  it('gives each existing claim the epoch its identity has, 0 when it has none', async () => {
    const created = await database.create();
    try {
      const first = await openDatabase(created.location);
      // As a database of the version before migration 0015, holding claims and forgotten identities.
      await sql`alter table identity_subjects drop column epoch`.execute(first.db);
      await sql`delete from kysely_migration where name = '0015-identity-subject-epochs'`.execute(first.db);
      const claim = (site: string, provider: string, subject: string, userDetails: string) =>
        sql`insert into identity_subjects (site_id, provider, subject_hash, user_details, user_id, created_at)
            values (${site}, ${provider}, ${subject}, ${userDetails}, ${`id-${subject}`}, '2026-01-01T00:00:00Z')`.execute(
          first.db,
        );
      await claim('s1', 'github', 'a', 'frank');
      await claim('s1', 'aad', 'b', 'frank');
      await claim('s2', 'github', 'c', 'frank');
      await claim('s1', 'github', 'd', 'never.forgotten');
      await first.db
        .insertInto('identity_epochs')
        .values([
          { site_id: 's1', identity: identityKey('github', 'frank'), epoch: 3 },
          { site_id: 's2', identity: identityKey('github', 'frank'), epoch: 1 },
          { site_id: 's1', identity: identityKey('google', 'frank'), epoch: 7 },
        ])
        .execute();
      await first.close();

      const upgraded = await openDatabase(created.location);
      expect(upgraded.upgraded).toEqual(['0015-identity-subject-epochs']);
      const rows = await upgraded.db
        .selectFrom('identity_subjects')
        .select(['subject_hash', 'epoch'])
        .orderBy('subject_hash')
        .execute();
      expect(rows.map((r) => [r.subject_hash, Number(r.epoch)])).toEqual([
        ['a', 3],
        ['b', 0],
        ['c', 1],
        ['d', 0],
      ]);
      await upgraded.close();
    } finally {
      await created.cleanup();
    }
  });
});
