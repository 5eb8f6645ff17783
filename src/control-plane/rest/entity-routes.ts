/**
 * Entities of the management API described once (decision 0042): an {@link Entity} names its item path,
 * its words for the summaries, how it is listed, read, written and deleted, how its resource JSON is made,
 * and its extra actions; {@link createEntityRoutes} turns a table of them into routes.
 */

import { PorticoError } from '../../shared/errors.js';
import { ifMatchAccepts, ifMatchIsAny } from '../../shared/if-match.js';
import { clip } from '../../shared/quote.js';
import type { ListFields } from './list-fields.js';
import { nextLinkOf } from './next-link.js';
import { applyListQuery } from './odata.js';
import type { Route, RouteAuth, RouteRequest, RouteResult } from './router.js';

/** What every call object carries; a table's call object adds what the path names (its owner). */
export interface EntityCall {
  readonly r: RouteRequest;
}

/** What a PUT saved; `created` answers 201, otherwise 200. */
interface Saved<E> {
  readonly entity: E;
  readonly created?: boolean;
}

/** The words of the generated summaries: "List the {plural} of {parent}", "Get {one}", … */
interface EntityNames {
  /** One entity with its article: `an API`. */
  readonly one: string;
  /** The collection: `APIs`. */
  readonly plural: string;
  /** What holds the collection, with its article: `a service`. */
  readonly parent: string;
}

/** The routes an entity can have; each becomes one route on the item's path (`list`: the collection's). */
type EntityVerb = 'list' | 'put' | 'patch' | 'get' | 'delete';

/** A route below the item's path: `POST {item}/listSecrets`. */
export interface EntityAction<C> {
  readonly method: Route['method'];
  /** The path segment after the item's path. */
  readonly name: string;
  readonly summary: string;
  readonly requestExample?: unknown;
  readonly handle: (at: C) => Promise<RouteResult>;
}

/**
 * One entity of a route table. Its routes come in the order the entry lists its verbs (that order is the
 * `Allow` header's and the OpenAPI document's), then its actions.
 */
export interface Entity<C extends EntityCall, E> {
  /** The item's path template; the collection's is the same without its last segment. */
  readonly path: string;
  readonly names: EntityNames;
  /** Text added to a verb's generated summary (`' (without keys)'`). */
  readonly notes?: Partial<Record<EntityVerb, string>>;
  /** A verb's whole summary, where the generated one does not fit. */
  readonly summaries?: Partial<Record<EntityVerb, string>>;
  /** Request examples for the OpenAPI document. */
  readonly examples?: { readonly put?: unknown; readonly patch?: unknown };
  /**
   * The resource JSON of an entity (or a promise of it). A method, not a property, so that a table can
   * hold entities of several types (method parameters are bivariant).
   */
  resource(at: C, entity: E): unknown;
  readonly list?: (at: C) => Promise<readonly E[]>;
  /** The properties (and worked-out fields) of the list's resources that `$filter` may name. */
  readonly listFields?: ListFields;
  readonly put?: (at: C) => Promise<Saved<E>>;
  readonly patch?: (at: C) => Promise<E>;
  readonly get?: (at: C) => Promise<E>;
  /** Checks that the entity exists; with it, HEAD answers 204 after the check (Azure's "entity exists"). */
  readonly exists?: (at: C) => Promise<void>;
  readonly delete?: (at: C) => Promise<void>;
  /** A DELETE answers 204, or 200 with an empty body where Azure's SDK refuses a 204 for this entity. */
  readonly deletedStatus?: 200 | 204;
  readonly actions?: readonly EntityAction<C>[];
  /**
   * The entity tag of a version (`"…"`): sent as `ETag`, and compared with `If-Match` before a write, as
   * Azure's optimistic concurrency does. Without it, `If-Match` is not looked at. A method, as
   * {@link resource}: a table holds entities of several types.
   */
  etagOf?(entity: E): string;
  /**
   * A `PUT` with `If-Match: *` of an entity that does not exist creates it, as Azure API Management does
   * (decision 0127), instead of RFC 9110's 412. Other tags still fail on a missing entity.
   */
  readonly ifMatchAnyCreates?: boolean;
}

/** A route of an entity before it knows its call object. */
interface EntityRoute<C> extends Omit<Route, 'auth' | 'handler'> {
  readonly handle: (at: C) => Promise<RouteResult>;
}

/** The options of {@link createEntityRoutes}. */
interface EntityTable<C extends EntityCall> {
  readonly auth: RouteAuth;
  /**
   * Finds what the path names (404 when it does not exist) before an entity's function runs; `route` is
   * the method and path template the request matched.
   */
  readonly callOf: (r: RouteRequest, route: Pick<Route, 'method' | 'path'>) => Promise<C>;
  readonly entities: readonly Entity<C, unknown>[];
  /** The entity tag of every entity of the table that names none itself. */
  readonly etagOf?: (entity: unknown) => string;
  /** {@link Entity.ifMatchAnyCreates} for every entity of the table. */
  readonly ifMatchAnyCreates?: boolean;
}

/** The routes of a table of entities, in table order. */
export function createEntityRoutes<C extends EntityCall>(table: EntityTable<C>): Route[] {
  const { etagOf, ifMatchAnyCreates } = table;
  const entities = table.entities.map((entity) => ({
    ...entity,
    ...(entity.etagOf === undefined && etagOf !== undefined ? { etagOf } : {}),
    ...(entity.ifMatchAnyCreates === undefined && ifMatchAnyCreates !== undefined
      ? { ifMatchAnyCreates }
      : {}),
  }));
  return entities.flatMap(entityRoutes).map(({ handle, ...route }) => ({
    ...route,
    auth: table.auth,
    handler: async (r) => handle(await table.callOf(r, route)),
  }));
}

const VERBS: ReadonlySet<string> = new Set<EntityVerb>(['list', 'put', 'patch', 'get', 'delete']);

function entityRoutes<C extends EntityCall>(entity: Entity<C, unknown>): EntityRoute<C>[] {
  const verbs = Object.keys(entity).filter((key): key is EntityVerb => VERBS.has(key));
  const actions = (entity.actions ?? []).map(({ name, ...action }) => ({
    ...action,
    path: `${entity.path}/${name}`,
  }));
  return [...verbs.flatMap((verb) => verbRoute(entity, verb)), ...actions];
}

function verbRoute<C extends EntityCall>(entity: Entity<C, unknown>, verb: EntityVerb): EntityRoute<C>[] {
  const handle = HANDLERS[verb](entity);
  if (handle === undefined) {
    return [];
  }
  const example = verb === 'put' || verb === 'patch' ? entity.examples?.[verb] : undefined;
  return [
    {
      method: verb === 'list' ? 'GET' : (verb.toUpperCase() as Route['method']),
      path: verb === 'list' ? entity.path.slice(0, entity.path.lastIndexOf('/')) : entity.path,
      summary: summaryOf(entity, verb),
      ...(example === undefined ? {} : { requestExample: example }),
      handle,
    },
  ];
}

function summaryOf(
  entity: Pick<Entity<EntityCall, unknown>, 'names' | 'notes' | 'summaries'>,
  verb: EntityVerb,
): string {
  const { one, plural, parent } = entity.names;
  const generated: Record<EntityVerb, string> = {
    list: `List the ${plural} of ${parent}`,
    put: `Create or replace ${one}`,
    patch: `Change ${one}`,
    get: `Get ${one}`,
    delete: `Delete ${one}`,
  };
  return entity.summaries?.[verb] ?? `${generated[verb]}${entity.notes?.[verb] ?? ''}`;
}

type Handle<C> = ((at: C) => Promise<RouteResult>) | undefined;

/**
 * How each verb answers: lists as pages of resources (`$filter`, `$top`, `$skip`, with a `nextLink` when
 * more follow), items as resources, a PUT 201 when it created, a DELETE 204 (or the
 * entity's `deletedStatus`).
 */
const HANDLERS: { [V in EntityVerb]: <C extends EntityCall>(entity: Entity<C, unknown>) => Handle<C> } = {
  list: (entity) => {
    const { list } = entity;
    return (
      list &&
      (async (at) => {
        const items = await list(at);
        const resources = await Promise.all(items.map((e) => entity.resource(at, e)));
        const { value, nextSkip } = applyListQuery(resources, at.r.query, entity.listFields);
        const next = nextSkip === undefined ? {} : { nextLink: nextLinkOf(at.r.req, nextSkip) };
        return { status: 200, body: { value, ...next } };
      })
    );
  },
  put: (entity) => {
    const { put } = entity;
    return (
      put &&
      (async (at) => {
        await refuseExisting(entity, at);
        await checkIfMatch(entity, at, true);
        const { entity: saved, created } = await put(at);
        return {
          status: created === true ? 201 : 200,
          body: await entity.resource(at, saved),
          headers: tagOf(entity, saved),
        };
      })
    );
  },
  patch: (entity) => {
    const { patch } = entity;
    return (
      patch &&
      (async (at) => {
        await checkIfMatch(entity, at, false);
        const saved = await patch(at);
        return { status: 200, body: await entity.resource(at, saved), headers: tagOf(entity, saved) };
      })
    );
  },
  get: (entity) => {
    const { get, exists } = entity;
    return (
      get &&
      (async (at) => {
        if (exists !== undefined && at.r.req.method === 'HEAD' && entity.etagOf === undefined) {
          await exists(at);
          return { status: 204 };
        }
        const found = await get(at);
        // HEAD is Azure's "get entity tag": the tag, without the body.
        return exists !== undefined && at.r.req.method === 'HEAD'
          ? { status: 204, headers: tagOf(entity, found) }
          : { status: 200, body: await entity.resource(at, found), headers: tagOf(entity, found) };
      })
    );
  },
  delete: (entity) => {
    const { delete: remove } = entity;
    return (
      remove &&
      (async (at) => {
        await checkIfMatch(entity, at, false);
        await remove(at);
        return entity.deletedStatus === 200 ? { status: 200, body: {} } : { status: 204 };
      })
    );
  },
};

/** The `ETag` header of a version, when the entity has tags. */
function tagOf<C extends EntityCall>(
  entity: Entity<C, unknown>,
  version: unknown,
): Readonly<Record<string, string>> | undefined {
  return entity.etagOf === undefined ? undefined : { etag: entity.etagOf(version) };
}

/** The current version of what the path names, or undefined when it does not exist (a 404). */
async function currentOf<C extends EntityCall>(entity: Entity<C, unknown>, at: C): Promise<unknown> {
  try {
    return await entity.get?.(at);
  } catch (error) {
    if (error instanceof PorticoError && error.status === 404) {
      return undefined;
    }
    throw error;
  }
}

/**
 * `If-Match` (RFC 9110 §13.1.1): a write goes ahead only while the entity is the version the caller read
 * (`*`: any version). A missing entity fails a `PUT` that names one, except `*` where the entity
 * {@link Entity.ifMatchAnyCreates} (Azure API Management: Terraform's azurerm provider creates every API
 * with `If-Match: *`); for `PATCH` and `DELETE` it stays their own 404. A 412 changes nothing.
 */
async function checkIfMatch<C extends EntityCall>(
  entity: Entity<C, unknown>,
  at: C,
  missingFails: boolean,
): Promise<void> {
  const header = at.r.req.headers['if-match'];
  if (header === undefined || entity.etagOf === undefined || entity.get === undefined) {
    return;
  }
  const current = await currentOf(entity, at);
  if (current === undefined) {
    if (missingFails && !(entity.ifMatchAnyCreates === true && ifMatchIsAny(header))) {
      throw new PorticoError(
        'CONTROL_PRECONDITION_FAILED',
        'If-Match names a version, but there is none: the entity does not exist. Create it without If-Match.',
      );
    }
    return;
  }
  if (!ifMatchAccepts(header, entity.etagOf(current))) {
    throw new PorticoError(
      'CONTROL_PRECONDITION_FAILED',
      'If-Match names another version than the current one: someone changed it since it was read. Read it again (GET answers its ETag), then repeat the change.',
    );
  }
}

/**
 * `If-None-Match: *` asks a PUT only to create (RFC 9110 §13.1.2), as the CLI's and the portal's "create"
 * send it: an entity that exists answers 409 and is left as it was. Without the header a PUT creates or
 * replaces, as in Azure.
 */
async function refuseExisting<C extends EntityCall>(entity: Entity<C, unknown>, at: C): Promise<void> {
  const { get } = entity;
  if (at.r.req.headers['if-none-match'] !== '*' || get === undefined) {
    return;
  }
  if ((await currentOf(entity, at)) === undefined) {
    return;
  }
  const { one } = entity.names;
  const id = at.r.params[lastParamOf(entity.path)] ?? '';
  throw new PorticoError(
    'CONTROL_ENTITY_EXISTS',
    `${one.charAt(0).toUpperCase()}${one.slice(1)} named '${clip(id)}' exists already, and If-None-Match: * asks only to create; pick another name, or send the PUT without If-None-Match to replace it.`,
  );
}

/** The name of the item path's last parameter: `apiId` of `…/apis/{apiId}`. */
function lastParamOf(path: string): string {
  return path.slice(path.lastIndexOf('{') + 1, -1);
}
