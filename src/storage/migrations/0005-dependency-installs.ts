/**
 * Installed API dependencies remembered by what decides them (package.json, lockfile, Node version), so an
 * unchanged API deploys without running npm again, on any node: the files themselves are blobs.
 */
import type { Kysely } from '../../shared/kysely.js';

/** Creates the table. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dependency_installs')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('files', 'text', (c) => c.notNull())
    .addColumn('log', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
