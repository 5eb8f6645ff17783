/**
 * The id of this Portico service: made once, by whichever node starts first on a new database, and kept
 * in `service_values`. Every node of the service reads the same one; another service (its own database)
 * has another, so what the nodes share outside the database (Redis keys and channels) is kept apart.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from '../shared/kysely.js';
import type { Database } from '../storage/index.js';

/** `service_values` row of the service id. */
const SERVICE_ID_ROW = 'service-id';

/**
 * The service's id (16 hex digits), made and recorded at the first start; nodes that start at the same
 * moment on a new database all end up with the one recorded first.
 */
export async function resolveServiceId(db: Kysely<Database>): Promise<string> {
  const read = () =>
    db.selectFrom('service_values').select('value').where('name', '=', SERVICE_ID_ROW).executeTakeFirst();
  const found = await read();
  if (found !== undefined) {
    return found.value;
  }
  await db
    .insertInto('service_values')
    .values({ name: SERVICE_ID_ROW, value: randomBytes(8).toString('hex') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const recorded = await read();
  if (recorded === undefined) {
    throw new Error('The service id was recorded but cannot be read back.');
  }
  return recorded.value;
}
