/**
 * The epoch (`identity_epochs`, how many times the site had forgotten the identity) at which each provider
 * account claimed its `userId`, so that a claim older than its identity's epoch reads as forgotten even
 * when whoever forgot the identity left the claim in place (a node of a version from before 0014, which
 * only moves the epoch on; decision 0096). Existing claims get the epoch their identity has now (0 when
 * none). `null` is a claim made by a node of the version before this one after this migration ran: it is
 * taken to be of the identity's epoch when a sign-in next reads it.
 */
import { type Kysely, sql } from '../../shared/kysely.js';

/** Adds the column and fills it. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('identity_subjects').addColumn('epoch', 'integer').execute();
  // `identity_epochs.identity` is `<provider>\n<userDetails>` (users.ts identityKey), and both columns of
  // a claim are stored in lower case as that key is. The newline is a parameter: the dialects write it
  // differently in SQL text.
  await sql`
    update identity_subjects set epoch = coalesce((
      select e.epoch from identity_epochs e
      where e.site_id = identity_subjects.site_id
        and e.identity = identity_subjects.provider || cast(${'\n'} as text) || identity_subjects.user_details
    ), 0)`.execute(db);
}
