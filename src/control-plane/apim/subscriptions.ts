/**
 * Subscriptions of an API Management service (spec/apim.md §1.1–1.2): a scope (a product, an API or all
 * APIs), a state (only `active` opens the gateway), an optional owner, and two keys that can be set,
 * listed and regenerated. A product's `subscriptionsLimit` bounds the active and submitted subscriptions
 * one owner holds to it.
 */
import { randomBytes } from 'node:crypto';
import { countOf } from '../../shared/count.js';
import { PorticoError } from '../../shared/errors.js';
import type { Transaction } from '../../shared/kysely.js';
import type { Database } from '../../storage/index.js';
import type { ControlContext } from '../context.js';
import { badField, booleanField, choiceField, stringField } from './fields.js';
import type { ProductProperties } from './products.js';
import {
  changeService,
  checkEntityId,
  deleteEntities,
  findEntity,
  getEntity,
  listEntities,
  putEntity,
  type StoredEntity,
} from './store.js';

export const SUBSCRIPTION_STATES = [
  'active',
  'suspended',
  'submitted',
  'rejected',
  'cancelled',
  'expired',
] as const;

/** A subscription state. */
export type SubscriptionStateName = (typeof SUBSCRIPTION_STATES)[number];

/** Stored (non-secret) properties of a subscription. */
export interface SubscriptionProperties {
  readonly displayName: string;
  /** `/products/<id>`, `/apis/<id>` or `/apis` (all APIs). */
  readonly scope: string;
  readonly state: SubscriptionStateName;
  readonly allowTracing: boolean;
  /** `/users/<id>`: whom the subscription is for (Portico keeps no user entities; it is an identifier). */
  readonly ownerId?: string;
}

/** The two keys of a subscription. */
export interface SubscriptionKeys {
  readonly primaryKey: string;
  readonly secondaryKey: string;
}

/** A new random key: 32 hex characters, like Azure's. */
export function newSubscriptionKey(): string {
  return randomBytes(16).toString('hex');
}

/** The keys kept sealed with a subscription. */
export function keysOf(subscription: StoredEntity<SubscriptionProperties>): SubscriptionKeys {
  return JSON.parse(subscription.secret ?? '{}') as SubscriptionKeys;
}

/**
 * Accepts `/products/x`, `/apis/x`, `/apis` and the full resource-id forms Azure uses
 * (`/subscriptions/…/service/<name>/products/x`), answering the short form.
 */
export function normalizeScope(scope: string): string {
  const match = /(?:^|\/service\/[^/]+)(\/(?:products|apis)(?:\/[^/]+)?)\/?$/i.exec(scope);
  const short = match?.[1];
  if (short === undefined) {
    throw badField('scope', '"/products/<productId>", "/apis/<apiId>" or "/apis" (all APIs)', scope);
  }
  const [, kind, id] = short.split('/');
  return id === undefined ? `/${kind?.toLowerCase()}` : `/${kind?.toLowerCase()}/${id}`;
}

function checkKey(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string' || value.length < 1 || value.length > 256 || /\s/.test(value)) {
    throw badField(field, 'a key of 1 to 256 printable characters without spaces', '(hidden)');
  }
  return value;
}

/**
 * Creates or replaces a subscription. A new one is `submitted` unless a state is given (Azure's REST
 * default); its keys are generated unless given. The scope must exist.
 */
export async function putSubscription(
  ctx: ControlContext,
  serviceId: string,
  id: string,
  props: Record<string, unknown>,
): Promise<{ subscription: StoredEntity<SubscriptionProperties>; created: boolean }> {
  checkEntityId('subscription', id);
  const existing = await findEntity<SubscriptionProperties>(ctx, serviceId, 'subscription', id);
  const scope = normalizeScope(stringField(props, 'scope', existing?.properties.scope));
  checkMasterScope(id, existing, scope);
  await checkScopeExists(ctx, serviceId, scope);
  const ownerId = normalizeOwner(props.ownerId ?? existing?.properties.ownerId);
  const properties: SubscriptionProperties = {
    displayName: stringField(props, 'displayName', existing?.properties.displayName ?? id),
    scope,
    state: choiceField(props, 'state', SUBSCRIPTION_STATES, existing?.properties.state ?? 'submitted'),
    allowTracing: booleanField(props, 'allowTracing', existing?.properties.allowTracing ?? false),
    ...(ownerId === undefined ? {} : { ownerId }),
  };
  const previous = existing === undefined ? undefined : keysOf(existing);
  const keys: SubscriptionKeys = {
    primaryKey: checkKey('primaryKey', props.primaryKey) ?? previous?.primaryKey ?? newSubscriptionKey(),
    secondaryKey:
      checkKey('secondaryKey', props.secondaryKey) ?? previous?.secondaryKey ?? newSubscriptionKey(),
  };
  await changeService(ctx, serviceId, async (trx) => {
    await checkSubscriptionsLimit(ctx, serviceId, id, properties, trx);
    await checkKeysUnused(ctx, serviceId, id, keys, trx);
    await putEntity(ctx, serviceId, 'subscription', id, properties, JSON.stringify(keys), trx);
  });
  const subscription = await getEntity<SubscriptionProperties>(ctx, serviceId, 'subscription', id);
  return { subscription, created: existing === undefined };
}

/**
 * The built-in subscription `master` opens every API: its scope stays `/apis` (its state, name and keys
 * may change), as it cannot be deleted.
 */
function checkMasterScope(
  id: string,
  existing: StoredEntity<SubscriptionProperties> | undefined,
  scope: string,
): void {
  if (id === 'master' && existing !== undefined && scope !== existing.properties.scope) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `The built-in all-access subscription 'master' keeps its scope ${existing.properties.scope} (all APIs), so properties.scope cannot be ${scope}; create another subscription with that scope instead.`,
    );
  }
}

/** Accepts `/users/<id>` or Azure's full user resource id, answering the short form. */
function normalizeOwner(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  const match =
    typeof value === 'string'
      ? /(?:^|\/service\/[^/]+)\/users\/([A-Za-z0-9._-]{1,256})\/?$/i.exec(value)
      : null;
  if (match === null) {
    throw badField('ownerId', '"/users/<userId>" (letters, digits, ".", "-" or "_")', value);
  }
  return `/users/${match[1]}`;
}

/** States that count toward a product's `subscriptionsLimit`. */
const HELD = new Set<SubscriptionStateName>(['active', 'submitted']);

/**
 * Refuses a subscription that would give its owner more held (active or submitted) subscriptions to a
 * product than its `subscriptionsLimit`; runs inside the write's transaction.
 */
async function checkSubscriptionsLimit(
  ctx: ControlContext,
  serviceId: string,
  id: string,
  properties: SubscriptionProperties,
  trx: Transaction<Database>,
): Promise<void> {
  const productId = /^\/products\/(.+)$/.exec(properties.scope)?.[1];
  if (productId === undefined || properties.ownerId === undefined || !HELD.has(properties.state)) {
    return;
  }
  const product = await findEntity<ProductProperties>(ctx, serviceId, 'product', productId, trx);
  const limit = product?.properties.subscriptionsLimit;
  if (limit === null || limit === undefined) {
    return;
  }
  const held = (
    await listEntities<SubscriptionProperties>(ctx, serviceId, 'subscription', undefined, trx)
  ).filter(
    (other) =>
      other.id !== id &&
      other.properties.scope === properties.scope &&
      other.properties.ownerId === properties.ownerId &&
      HELD.has(other.properties.state),
  );
  if (held.length >= limit) {
    throw new PorticoError(
      'CONTROL_APIM_CONFLICT',
      `The product '${productId}' allows ${countOf(limit, 'subscription')} per user (subscriptionsLimit), and ${properties.ownerId} already holds ${held.map((other) => `'${other.id}'`).join(', ')}; cancel one first, or raise the limit.`,
    );
  }
}

/**
 * Refuses keys another subscription of the service holds: the gateway finds a call's subscription by its
 * key, so a shared key would open only one of them (its scope, state and policies) and make suspending
 * the other one ineffective. Runs inside the write's transaction; the keys are never quoted.
 */
async function checkKeysUnused(
  ctx: ControlContext,
  serviceId: string,
  id: string,
  keys: SubscriptionKeys,
  trx: Transaction<Database>,
): Promise<void> {
  const others = await listEntities<SubscriptionProperties>(ctx, serviceId, 'subscription', undefined, trx);
  for (const other of others) {
    if (other.id === id) {
      continue;
    }
    const held = keysOf(other);
    for (const field of ['primaryKey', 'secondaryKey'] as const) {
      if (keys[field] === held.primaryKey || keys[field] === held.secondaryKey) {
        throw new PorticoError(
          'CONTROL_APIM_CONFLICT',
          `The ${field} given is already a key of the subscription '${other.id}'; each key may open one subscription only. Give another key, or leave ${field} out to have one generated.`,
        );
      }
    }
  }
}

async function checkScopeExists(ctx: ControlContext, serviceId: string, scope: string): Promise<void> {
  const [, kind, id] = scope.split('/');
  if (id === undefined) {
    return;
  }
  if (kind === 'products') {
    await getEntity<ProductProperties>(ctx, serviceId, 'product', id);
  } else {
    await getEntity(ctx, serviceId, 'api', id);
  }
}

/**
 * Changes the properties given of an existing subscription (PATCH: Azure's SubscriptionUpdateParameters,
 * every field optional); the others, and the keys unless given, stay.
 */
export async function updateSubscription(
  ctx: ControlContext,
  serviceId: string,
  id: string,
  props: Record<string, unknown>,
): Promise<StoredEntity<SubscriptionProperties>> {
  await getEntity<SubscriptionProperties>(ctx, serviceId, 'subscription', id);
  return (await putSubscription(ctx, serviceId, id, props)).subscription;
}

/** Replaces one key with a new random one; the old key stops working at once. */
export async function regenerateKey(
  ctx: ControlContext,
  serviceId: string,
  id: string,
  which: 'primary' | 'secondary',
): Promise<void> {
  const existing = await getEntity<SubscriptionProperties>(ctx, serviceId, 'subscription', id);
  const keys = keysOf(existing);
  const next =
    which === 'primary'
      ? { ...keys, primaryKey: newSubscriptionKey() }
      : { ...keys, secondaryKey: newSubscriptionKey() };
  await changeService(ctx, serviceId, async (trx) => {
    await putEntity(ctx, serviceId, 'subscription', id, existing.properties, JSON.stringify(next), trx);
  });
}

/** Deletes a subscription; the built-in all-access one cannot be deleted. */
export async function deleteSubscription(ctx: ControlContext, serviceId: string, id: string): Promise<void> {
  await getEntity(ctx, serviceId, 'subscription', id);
  if (id === 'master') {
    throw new PorticoError(
      'CONTROL_APIM_CONFLICT',
      "The built-in all-access subscription 'master' cannot be deleted; suspend it instead.",
    );
  }
  await changeService(ctx, serviceId, async (trx) => {
    await deleteEntities(ctx, serviceId, 'subscription', { id }, trx);
  });
}

/** Every subscription of a service. */
export function listSubscriptions(
  ctx: ControlContext,
  serviceId: string,
): Promise<StoredEntity<SubscriptionProperties>[]> {
  return listEntities<SubscriptionProperties>(ctx, serviceId, 'subscription');
}
