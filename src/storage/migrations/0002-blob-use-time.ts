/** Blobs remember when they were last stored or asked for, so unused ones can be swept safely. */
import type { Kysely } from '../../shared/kysely.js';

/** Adds `blobs.used_at`; contents stored before it read as long unused (''). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('blobs')
    .addColumn('used_at', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}
