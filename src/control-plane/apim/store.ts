/**
 * The entity store of API Management services: every API, operation, product, product-API pair,
 * subscription, named value and policy is one JSON document keyed by (service, kind, id). Every write
 * records an `apim:<service id>` change so each node rebuilds that service's gateway snapshot.
 */

import { PorticoError } from '../../shared/errors.js';
import type { Kysely, Transaction } from '../../shared/kysely.js';
import { clip } from '../../shared/quote.js';
import type { ApimEntitiesTable, Database } from '../../storage/index.js';
import type { ControlContext } from '../context.js';

/** The kinds of entities a service holds. */
export type EntityKind = ApimEntitiesTable['kind'];

/** Prefix of the change-log entries that say a gateway's configuration changed. */
export const APIM_CHANGE_PREFIX = 'apim:';

/** One stored entity, with its properties parsed. */
export interface StoredEntity<P> {
  readonly id: string;
  readonly properties: P;
  /** Unsealed secret part (keys, secret value), when the entity has one. */
  readonly secret: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
}

type Db = Kysely<Database> | Transaction<Database>;

const ENTITY_NAMES: Readonly<Record<EntityKind, string>> = {
  api: 'API',
  operation: 'operation',
  product: 'product',
  'product-api': 'API of the product',
  subscription: 'subscription',
  'named-value': 'named value',
  policy: 'policy',
};

/** Entity ids: 1–80 letters, digits, `-`, `_` or `.` (a `/` joins the parts of nested ids). */
const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

/** Checks a REST entity id; throws a 400 naming the field. */
export function checkEntityId(kind: EntityKind, id: string): string {
  if (!ENTITY_ID.test(id)) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `The ${ENTITY_NAMES[kind]} id '${clip(id)}' is invalid: use 1 to 80 letters, digits, '-', '_' or '.', starting with a letter or digit.`,
    );
  }
  return id;
}

function toEntity<P>(ctx: ControlContext, row: ApimEntitiesTable): StoredEntity<P> {
  return {
    id: row.entity_id,
    properties: JSON.parse(row.properties) as P,
    secret: row.secret_sealed === null ? undefined : ctx.sealer.unseal(row.secret_sealed),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** One entity, or undefined. */
export async function findEntity<P>(
  ctx: ControlContext,
  serviceId: string,
  kind: EntityKind,
  id: string,
  db: Db = ctx.db,
): Promise<StoredEntity<P> | undefined> {
  const row = await db
    .selectFrom('apim_entities')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('kind', '=', kind)
    .where('entity_id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toEntity<P>(ctx, row);
}

/** One entity, or a 404 naming it. */
export async function getEntity<P>(
  ctx: ControlContext,
  serviceId: string,
  kind: EntityKind,
  id: string,
): Promise<StoredEntity<P>> {
  const entity = await findEntity<P>(ctx, serviceId, kind, id);
  if (entity === undefined) {
    throw entityNotFound(kind, id);
  }
  return entity;
}

/** The 404 of a missing entity. */
export function entityNotFound(kind: EntityKind, id: string): PorticoError {
  return new PorticoError(
    'CONTROL_APIM_ENTITY_NOT_FOUND',
    `The service has no ${ENTITY_NAMES[kind]} '${clip(id)}'.`,
  );
}

/** Every entity of a kind (optionally with an id prefix such as `<apiId>/`), in id order. */
export async function listEntities<P>(
  ctx: ControlContext,
  serviceId: string,
  kind: EntityKind,
  idPrefix?: string,
  db: Db = ctx.db,
): Promise<StoredEntity<P>[]> {
  let query = db
    .selectFrom('apim_entities')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('kind', '=', kind);
  if (idPrefix !== undefined) {
    // Ids never hold `%`; LIKE's `_` only widens the pre-filter, which startsWith narrows below.
    query = query.where('entity_id', 'like', `${idPrefix}%`);
  }
  const rows = await query.orderBy('entity_id').execute();
  return rows
    .filter((row) => idPrefix === undefined || row.entity_id.startsWith(idPrefix))
    .map((row) => toEntity<P>(ctx, row));
}

/** Creates or replaces an entity; answers whether it was created. */
export async function putEntity<P>(
  ctx: ControlContext,
  serviceId: string,
  kind: EntityKind,
  id: string,
  properties: P,
  secret?: string,
  db: Db = ctx.db,
): Promise<boolean> {
  const now = ctx.now().toISOString();
  const existing = await findEntity(ctx, serviceId, kind, id, db);
  const values = {
    properties: JSON.stringify(properties),
    secret_sealed: secret === undefined ? null : ctx.sealer.seal(secret),
    updated_at: now,
  };
  if (existing === undefined) {
    await db
      .insertInto('apim_entities')
      .values({ service_id: serviceId, kind, entity_id: id, created_at: now, ...values })
      .execute();
  } else {
    await db
      .updateTable('apim_entities')
      .set(values)
      .where('service_id', '=', serviceId)
      .where('kind', '=', kind)
      .where('entity_id', '=', id)
      .execute();
  }
  return existing === undefined;
}

/** Deletes entities of a kind by exact id or id prefix (`<apiId>/`); answers how many went. */
export async function deleteEntities(
  ctx: ControlContext,
  serviceId: string,
  kind: EntityKind,
  match: { id: string } | { prefix: string },
  db: Db = ctx.db,
): Promise<number> {
  const ids =
    'id' in match
      ? [match.id]
      : (await listEntities(ctx, serviceId, kind, match.prefix, db)).map((entity) => entity.id);
  if (ids.length === 0) {
    return 0;
  }
  const result = await db
    .deleteFrom('apim_entities')
    .where('service_id', '=', serviceId)
    .where('kind', '=', kind)
    .where('entity_id', 'in', ids)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Records that a service's configuration changed. */
export async function recordServiceChange(
  ctx: ControlContext,
  serviceId: string,
  db: Db = ctx.db,
): Promise<void> {
  await db
    .insertInto('changes')
    .values({ hostname: `${APIM_CHANGE_PREFIX}${serviceId}`, at: ctx.now().toISOString() })
    .execute();
}

/** Runs a service's writes in one transaction that also records the change for every node. */
export function changeService<T>(
  ctx: ControlContext,
  serviceId: string,
  write: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return ctx.db.transaction().execute(async (trx) => {
    const result = await write(trx);
    await recordServiceChange(ctx, serviceId, trx);
    return result;
  });
}

/** Creates or replaces one entity and records the change; answers whether it was created. */
export function saveEntity<P>(
  ctx: ControlContext,
  serviceId: string,
  kind: EntityKind,
  id: string,
  properties: P,
  secret?: string,
): Promise<boolean> {
  return changeService(ctx, serviceId, (trx) => putEntity(ctx, serviceId, kind, id, properties, secret, trx));
}
