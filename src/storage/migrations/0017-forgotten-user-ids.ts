/**
 * The `userId`s a site forgot (its user removed, or purged) while a session holding one may still be
 * alive: every node refuses such a session, as it refuses a signed-out one. Rows are kept until the
 * longest session sealed before the forget would have expired.
 */
import type { Kysely } from '../../shared/kysely.js';

/** Creates the table. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('forgotten_user_ids')
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('forgotten_user_ids_pk', ['site_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('forgotten_user_ids_site')
    .on('forgotten_user_ids')
    .columns(['site_id', 'expires_at'])
    .execute();
}
