/**
 * A static site's Azure tags (`tags`: names to values, kept as JSON), which Azure's SDKs, Bicep and
 * Terraform send with a site; `null` is none.
 */
import type { Kysely } from '../../shared/kysely.js';

/** Adds the column. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sites').addColumn('tags', 'text').execute();
}
