/**
 * The content key of a deployment: a hash of the file list it was sent with (and of the Node.js version
 * when it has an API), so that a deploy of the content already live is recognised and keeps the live
 * files and the running API (docs/decisions/0030-unchanged-deploys.md). Older rows keep `null`: their
 * next deploy takes the full path once.
 */
import type { Kysely } from '../../shared/kysely.js';

/** Adds the column. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').addColumn('content_key', 'text').execute();
}
