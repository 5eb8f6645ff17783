/**
 * What Azure's management SDKs need kept: the name a linked backend was given at link time (Azure's
 * `linkedBackendName`, so that get, unlink, validate and repair find it by that name; older rows keep
 * `null` and go by their resource name), and an API Management service's network settings
 * (`publicNetworkAccess`, `virtualNetworkType`), which decide whether a site may link it.
 */
import type { Kysely } from '../../shared/kysely.js';

/** Adds the columns. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('linked_backends').addColumn('link_name', 'text').execute();
  await db.schema
    .alterTable('apim_services')
    .addColumn('public_network_access', 'text', (c) => c.notNull().defaultTo('Enabled'))
    .execute();
  await db.schema
    .alterTable('apim_services')
    .addColumn('virtual_network_type', 'text', (c) => c.notNull().defaultTo('None'))
    .execute();
}
