/**
 * How many times a site forgot an identity (its user removed, or purged): a part of the identity's
 * `userId`, so that a user removed and invited again, or one who purged their data, is a new user with a
 * new id (spec §2.3). No row means none yet (the id of every identity from before).
 */
import type { Kysely } from '../../shared/kysely.js';

/** Creates the table. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('identity_epochs')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_epochs_pk', ['site_id', 'identity'])
    .execute();
}
