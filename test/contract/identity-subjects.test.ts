/**
 * Which `userId` a provider account holds on a site (control-plane identity-subjects.ts, decisions 0066
 * and 0096) when something forgets its identity by moving the epoch on without deleting the account's
 * claim, as a node of a version from before migration 0014 does during a rolling upgrade; and migration
 * 0015, which records the epoch each claim was made at. On SQLite, and on PostgreSQL when configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userIdOfAccount } from '../../src/control-plane/identity-subjects.js';
import type { ControlContext } from '../../src/control-plane/index.js';
import { createSite, deleteSite } from '../../src/control-plane/sites.js';
import { identityKey, purgeUser, userIdFor } from '../../src/control-plane/users.js';
import { sql } from '../../src/shared/kysely.js';
import { openDatabase, type StorageDatabase } from '../../src/storage/index.js';
import { testControlContext } from '../helpers/control-context.js';
import { testDatabases } from '../helpers/databases.js';

describe.each(testDatabases())('provider accounts and forgotten identities on $name', (database) => {
  let storage: StorageDatabase;
  let ctx: ControlContext;
  let cleanup: () => Promise<void>;
  let siteId: string;

  beforeAll(async () => {
    const created = await database.create();
    cleanup = created.cleanup;
    storage = await openDatabase(created.location);
    ctx = testControlContext(storage, created.dir);
    siteId = (await createSite(ctx, 'accounts', 'Free')).site.id;
  });
  afterAll(async () => {
    await storage?.close();
    await cleanup?.();
  });

  const signIn = (subject: string, userDetails: string) =>
    userIdOfAccount(ctx, { siteId, provider: 'github', userDetails, subject });

  /** What a node from before migration 0014 does on a purge or removal: the epoch moves on, nothing else. */
  async function forgetAsAnOldNode(userDetails: string): Promise<void> {
    await ctx.db
      .insertInto('identity_epochs')
      .values({ site_id: siteId, identity: identityKey('github', userDetails), epoch: 1 })
      .onConflict((oc) =>
        oc.columns(['site_id', 'identity']).doUpdateSet({ epoch: sql<number>`identity_epochs.epoch + 1` }),
      )
      .execute();
  }

  it('gives a new userId after an older node forgot the identity but left its claim', async () => {
    const before = await signIn('1001', 'Frank');
    expect(before).toBe(userIdFor(ctx, siteId, 'github', 'frank'));
    await forgetAsAnOldNode('frank');
    const after = await signIn('1001', 'frank');
    expect(after).toMatch(/^[0-9a-f]{32}$/);
    expect(after).not.toBe(before);
    // The new id is the account's from now on, on every sign-in, until it is forgotten again.
    expect(await signIn('1001', 'FRANK')).toBe(after);
    await forgetAsAnOldNode('frank');
    const third = await signIn('1001', 'frank');
    expect([before, after]).not.toContain(third);
    expect(await signIn('1001', 'frank')).toBe(third);
  });

  it('keeps the userId of an account that changed its name, whatever its new name went through before', async () => {
    // Someone else used the name `gina.new` before, and was purged twice.
    await forgetAsAnOldNode('gina.new');
    await forgetAsAnOldNode('gina.new');
    const gina = await signIn('1002', 'gina');
    expect(await signIn('1002', 'gina.new')).toBe(gina);
    expect(await signIn('1002', 'gina.new')).toBe(gina);
    // Her old name is forgotten (its next holder purged on an old node): no longer hers, so she keeps her id.
    await forgetAsAnOldNode('gina');
    expect(await signIn('1002', 'gina.new')).toBe(gina);
    // Her new name is forgotten: she is a new user.
    await forgetAsAnOldNode('gina.new');
    const renewed = await signIn('1002', 'gina.new');
    expect(renewed).not.toBe(gina);
    expect(await signIn('1002', 'gina.new')).toBe(renewed);
  });

  it('gives a new userId to an account forgotten under its old name before a new node saw its new one', async () => {
    const hank = await signIn('1003', 'hank');
    await forgetAsAnOldNode('hank');
    const renamed = await signIn('1003', 'hank.new');
    expect(renamed).not.toBe(hank);
    expect(await signIn('1003', 'hank.new')).toBe(renamed);
  });

  it('still gives a new userId after a purge by this version, and leaves other accounts their ids', async () => {
    const ivy = await signIn('1004', 'ivy');
    const other = await signIn('1005', 'jo');
    expect(await purgeUser(ctx, siteId, 'github', 'ivy')).toBe(true);
    const after = await signIn('1004', 'ivy');
    expect(after).not.toBe(ivy);
    expect(await signIn('1004', 'ivy')).toBe(after);
    expect(await signIn('1005', 'jo')).toBe(other);
  });

  it('takes a claim made by a node of the version before migration 0015 (no epoch) as current', async () => {
    await forgetAsAnOldNode('kim');
    const kim = await signIn('1006', 'kim');
    await ctx.db.updateTable('identity_subjects').set({ epoch: null }).where('user_id', '=', kim).execute();
    expect(await signIn('1006', 'kim')).toBe(kim);
    await forgetAsAnOldNode('kim');
    expect(await signIn('1006', 'kim')).not.toBe(kim);
  });
});

describe.each(testDatabases())('migration 0015 on $name', (database) => {
  it('gives each existing claim the epoch its identity has, 0 when it has none', async () => {
    const created = await database.create();
    try {
      const first = await openDatabase(created.location);
      const firstCtx = testControlContext(first, created.dir);
      const s1 = (await createSite(firstCtx, 'one', 'Free')).site.id;
      const s2 = (await createSite(firstCtx, 'two', 'Free')).site.id;
      // As a database of the version before migration 0015, holding claims and forgotten identities.
      await sql`alter table identity_subjects drop column epoch`.execute(first.db);
      await sql`drop table forgotten_user_ids`.execute(first.db);
      await sql`delete from kysely_migration where name >= '0015-identity-subject-epochs'`.execute(first.db);
      const claim = (site: string, provider: string, subject: string, userDetails: string) =>
        sql`insert into identity_subjects (site_id, provider, subject_hash, user_details, user_id, created_at)
            values (${site}, ${provider}, ${subject}, ${userDetails}, ${`id-${subject}`}, '2026-01-01T00:00:00Z')`.execute(
          first.db,
        );
      await claim(s1, 'github', 'a', 'frank');
      await claim(s1, 'aad', 'b', 'frank');
      await claim(s2, 'github', 'c', 'frank');
      await claim(s1, 'github', 'd', 'never.forgotten');
      await first.db
        .insertInto('identity_epochs')
        .values([
          { site_id: s1, identity: identityKey('github', 'frank'), epoch: 3 },
          { site_id: s2, identity: identityKey('github', 'frank'), epoch: 1 },
          { site_id: s1, identity: identityKey('google', 'frank'), epoch: 7 },
        ])
        .execute();
      await first.close();

      const upgraded = await openDatabase(created.location);
      expect(upgraded.upgraded).toEqual([
        '0015-identity-subject-epochs',
        '0016-identity-records-of-deleted-sites',
        '0017-forgotten-user-ids',
      ]);
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

describe.each(testDatabases())('sign-in records of a deleted site on $name', (database) => {
  const count = async (
    db: StorageDatabase['db'],
    table: 'identity_subjects' | 'identity_epochs',
    site: string,
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('site_id', '=', site)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('go with the site: no account, e-mail or epoch is left once `site delete` says its users are gone', async () => {
    const created = await database.create();
    const storage = await openDatabase(created.location);
    try {
      const ctx = testControlContext(storage, created.dir);
      const gone = (await createSite(ctx, 'gone', 'Free')).site.id;
      const kept = (await createSite(ctx, 'kept', 'Free')).site.id;
      for (const siteId of [gone, kept]) {
        await userIdOfAccount(ctx, {
          siteId,
          provider: 'github',
          userDetails: 'alice@example.com',
          subject: '7',
        });
        expect(await purgeUser(ctx, siteId, 'github', 'alice@example.com')).toBe(true);
        await userIdOfAccount(ctx, {
          siteId,
          provider: 'github',
          userDetails: 'alice@example.com',
          subject: '7',
        });
      }
      expect(await count(storage.db, 'identity_subjects', gone)).toBe(1);
      expect(await count(storage.db, 'identity_epochs', gone)).toBe(1);
      // What a node of an older version leaves when it deletes a site during a rolling upgrade.
      await storage.db
        .insertInto('identity_epochs')
        .values({ site_id: 'deleted-by-an-old-node', identity: identityKey('github', 'x'), epoch: 1 })
        .execute();
      await deleteSite(ctx, 'gone');
      expect(await count(storage.db, 'identity_epochs', 'deleted-by-an-old-node')).toBe(0);
      expect(await count(storage.db, 'identity_subjects', gone)).toBe(0);
      expect(await count(storage.db, 'identity_epochs', gone)).toBe(0);
      expect(await count(storage.db, 'identity_subjects', kept)).toBe(1);
      expect(await count(storage.db, 'identity_epochs', kept)).toBe(1);
    } finally {
      await storage.close();
      await created.cleanup();
    }
  });

  it('left behind by earlier versions are removed by migration 0016, and no others', async () => {
    const created = await database.create();
    try {
      const first = await openDatabase(created.location);
      const ctx = testControlContext(first, created.dir);
      const live = (await createSite(ctx, 'live', 'Free')).site.id;
      await sql`drop table forgotten_user_ids`.execute(first.db);
      await sql`delete from kysely_migration where name >= '0016-identity-records-of-deleted-sites'`.execute(
        first.db,
      );
      for (const siteId of [live, 'deleted-site-id']) {
        await sql`insert into identity_subjects (site_id, provider, subject_hash, user_details, user_id, created_at, epoch)
            values (${siteId}, 'github', 'h', 'bob@example.com', ${`u-${siteId}`}, '2026-01-01T00:00:00Z', 0)`.execute(
          first.db,
        );
        await first.db
          .insertInto('identity_epochs')
          .values({ site_id: siteId, identity: identityKey('github', 'bob@example.com'), epoch: 2 })
          .execute();
      }
      await first.close();
      const upgraded = await openDatabase(created.location);
      try {
        expect(upgraded.upgraded).toEqual([
          '0016-identity-records-of-deleted-sites',
          '0017-forgotten-user-ids',
        ]);
        expect(await count(upgraded.db, 'identity_subjects', 'deleted-site-id')).toBe(0);
        expect(await count(upgraded.db, 'identity_epochs', 'deleted-site-id')).toBe(0);
        expect(await count(upgraded.db, 'identity_subjects', live)).toBe(1);
        expect(await count(upgraded.db, 'identity_epochs', live)).toBe(1);
      } finally {
        await upgraded.close();
      }
    } finally {
      await created.cleanup();
    }
  });
});
