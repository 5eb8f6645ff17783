/**
 * The contents each uploading deployment was sent: a deploy is asked for every content its site has not
 * deployed before, even one the store holds for another site, and its commit checks they came (so one
 * site can neither learn what another stores nor copy it by hash). Rows go when the deployment ends.
 */
import type { Kysely } from '../../shared/kysely.js';

/** Creates the table. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deployment_uploads')
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('deployment_uploads_pk', ['deployment_id', 'sha256'])
    .execute();
}
