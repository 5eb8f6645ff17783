/**
 * Sessions signed out before they expired: a copy of a signed-out cookie stops working on every node.
 * Rows are kept until the session would have expired.
 */
import type { Kysely } from '../../shared/kysely.js';

/** Creates the table. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signed_out_sessions')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('signed_out_sessions_site')
    .on('signed_out_sessions')
    .columns(['site_id', 'expires_at'])
    .execute();
}
