/**
 * Removes the sign-in records (`identity_subjects`, with the e-mail or name a provider gave, and
 * `identity_epochs`) of sites deleted before `deleteSite` removed them too: those tables have no foreign
 * key to `sites`, so the rows outlived the site that `site delete` said had lost its users.
 */
import { type Kysely, sql } from '../../shared/kysely.js';

/** Deletes the orphaned rows. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`delete from identity_subjects where site_id not in (select id from sites)`.execute(db);
  await sql`delete from identity_epochs where site_id not in (select id from sites)`.execute(db);
}
