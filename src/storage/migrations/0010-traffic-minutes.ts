/**
 * Traffic history for the portal's charts (decision 0032): what each node counted per minute, per site
 * environment and per gateway API. Rows only add up (a node may write a minute in several parts), so
 * there is no unique key; reads sum them. Rows older than a day are pruned.
 */
import type { Kysely } from '../../shared/kysely.js';

/** Creates the tables. Written once and never edited: later changes get a new migration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('traffic_minutes')
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('minute', 'text', (c) => c.notNull())
    .addColumn('node', 'text', (c) => c.notNull())
    .addColumn('requests', 'integer', (c) => c.notNull())
    .addColumn('status_4xx', 'integer', (c) => c.notNull())
    .addColumn('status_5xx', 'integer', (c) => c.notNull())
    .addColumn('latency_ms', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('traffic_minutes_site')
    .on('traffic_minutes')
    .columns(['site', 'minute'])
    .execute();
  await db.schema.createIndex('traffic_minutes_minute').on('traffic_minutes').column('minute').execute();
  await db.schema
    .createTable('gateway_traffic_minutes')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('api', 'text', (c) => c.notNull())
    .addColumn('minute', 'text', (c) => c.notNull())
    .addColumn('node', 'text', (c) => c.notNull())
    .addColumn('calls', 'integer', (c) => c.notNull())
    .addColumn('status_401', 'integer', (c) => c.notNull())
    .addColumn('status_403', 'integer', (c) => c.notNull())
    .addColumn('status_429', 'integer', (c) => c.notNull())
    .addColumn('status_5xx', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('gateway_traffic_minutes_service')
    .on('gateway_traffic_minutes')
    .columns(['service', 'minute'])
    .execute();
  await db.schema
    .createIndex('gateway_traffic_minutes_minute')
    .on('gateway_traffic_minutes')
    .column('minute')
    .execute();
}
