/**
 * Which provider account (its subject: the provider's own stable user id, hashed) holds which `userId` on
 * a site, so that two accounts showing the same name or e-mail are two users, and an account that changes
 * its name stays one. No row for an account means its next sign-in claims one.
 */
import type { Kysely } from '../../shared/kysely.js';

/** Creates the table. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('identity_subjects')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('subject_hash', 'text', (c) => c.notNull())
    .addColumn('user_details', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_subjects_pk', ['site_id', 'provider', 'subject_hash'])
    .addUniqueConstraint('identity_subjects_user_id', ['site_id', 'user_id'])
    .execute();
}
