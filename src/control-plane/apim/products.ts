/**
 * Products of an API Management service (spec/apim.md §1.1): a group of APIs that subscriptions can be
 * scoped to. `state` only affects the developer portal; `subscriptionRequired: false` makes an open product.
 */
import { PorticoError } from '../../shared/errors.js';
import type { ControlContext } from '../context.js';
import { badField, booleanField, choiceField, stringField } from './fields.js';
import {
  changeService,
  checkEntityId,
  deleteEntities,
  findEntity,
  getEntity,
  listEntities,
  type StoredEntity,
  saveEntity,
} from './store.js';
import type { SubscriptionProperties } from './subscriptions.js';

/** Stored properties of a product. */
export interface ProductProperties {
  readonly displayName: string;
  readonly description: string;
  readonly state: 'published' | 'notPublished';
  readonly subscriptionRequired: boolean;
  readonly approvalRequired: boolean;
  readonly subscriptionsLimit: number | null;
  readonly terms: string;
}

/** Reads and checks the properties of a product. */
export function parseProductProperties(id: string, props: Record<string, unknown>): ProductProperties {
  const subscriptionRequired = booleanField(props, 'subscriptionRequired', true);
  const approvalRequired = booleanField(props, 'approvalRequired', false);
  if (approvalRequired && !subscriptionRequired) {
    throw badField(
      'approvalRequired',
      'false when subscriptionRequired is false (approval needs subscriptions)',
      true,
    );
  }
  return {
    displayName: stringField(props, 'displayName', id),
    description: stringField(props, 'description', ''),
    state: choiceField(props, 'state', ['published', 'notPublished'] as const, 'notPublished'),
    subscriptionRequired,
    approvalRequired,
    subscriptionsLimit: parseLimit(props.subscriptionsLimit, subscriptionRequired),
    terms: stringField(props, 'terms', ''),
  };
}

function parseLimit(value: unknown, subscriptionRequired: boolean): number | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (!subscriptionRequired) {
    throw badField('subscriptionsLimit', 'absent when subscriptionRequired is false', value);
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw badField('subscriptionsLimit', 'a whole number ≥ 0, or null for unlimited', value);
  }
  return value;
}

/** Creates or replaces a product. An API may be in at most one open product (spec §1.2). */
export async function putProduct(
  ctx: ControlContext,
  serviceId: string,
  id: string,
  props: Record<string, unknown>,
): Promise<{ product: StoredEntity<ProductProperties>; created: boolean }> {
  checkEntityId('product', id);
  const properties = parseProductProperties(id, props);
  if (!properties.subscriptionRequired) {
    for (const apiId of await productApiIds(ctx, serviceId, id)) {
      await checkSingleOpenProduct(ctx, serviceId, id, apiId);
    }
  }
  const created = await saveEntity(ctx, serviceId, 'product', id, properties);
  return { product: await getEntity<ProductProperties>(ctx, serviceId, 'product', id), created };
}

/** The ids of the APIs in a product. */
export async function productApiIds(
  ctx: ControlContext,
  serviceId: string,
  productId: string,
): Promise<string[]> {
  const entries = await listEntities(ctx, serviceId, 'product-api', `${productId}/`);
  return entries.map((entry) => entry.id.slice(productId.length + 1));
}

async function checkSingleOpenProduct(
  ctx: ControlContext,
  serviceId: string,
  productId: string,
  apiId: string,
): Promise<void> {
  const products = await listEntities<ProductProperties>(ctx, serviceId, 'product');
  for (const other of products) {
    if (other.id !== productId && !other.properties.subscriptionRequired) {
      if ((await findEntity(ctx, serviceId, 'product-api', `${other.id}/${apiId}`)) !== undefined) {
        throw new PorticoError(
          'CONTROL_APIM_CONFLICT',
          `The API '${apiId}' is already in the open product '${other.id}'; an API can be in at most one product that needs no subscription.`,
        );
      }
    }
  }
}

/** Adds an API to a product; answers whether it was added (false: it was there already). */
export async function addProductApi(
  ctx: ControlContext,
  serviceId: string,
  productId: string,
  apiId: string,
): Promise<boolean> {
  const product = await getEntity<ProductProperties>(ctx, serviceId, 'product', productId);
  await getEntity(ctx, serviceId, 'api', apiId);
  if (!product.properties.subscriptionRequired) {
    await checkSingleOpenProduct(ctx, serviceId, productId, apiId);
  }
  return saveEntity(ctx, serviceId, 'product-api', `${productId}/${apiId}`, {});
}

/** Removes an API from a product. */
export async function removeProductApi(
  ctx: ControlContext,
  serviceId: string,
  productId: string,
  apiId: string,
): Promise<void> {
  await getEntity(ctx, serviceId, 'product-api', `${productId}/${apiId}`);
  await changeService(ctx, serviceId, async (trx) => {
    await deleteEntities(ctx, serviceId, 'product-api', { id: `${productId}/${apiId}` }, trx);
  });
}

/**
 * Deletes a product with its API list and policy. Like Azure, a product with subscriptions is only
 * deleted when `deleteSubscriptions` is set, and then its subscriptions go too.
 */
export async function deleteProduct(
  ctx: ControlContext,
  serviceId: string,
  id: string,
  deleteSubscriptions: boolean,
): Promise<void> {
  await getEntity(ctx, serviceId, 'product', id);
  const subscriptions = (await listEntities<SubscriptionProperties>(ctx, serviceId, 'subscription')).filter(
    (subscription) => subscription.properties.scope === `/products/${id}`,
  );
  if (subscriptions.length > 0 && !deleteSubscriptions) {
    throw new PorticoError(
      'CONTROL_APIM_CONFLICT',
      `The product '${id}' has ${subscriptions.length} subscription(s); delete them first or pass deleteSubscriptions=true.`,
    );
  }
  await changeService(ctx, serviceId, async (trx) => {
    await deleteEntities(ctx, serviceId, 'product', { id }, trx);
    await deleteEntities(ctx, serviceId, 'product-api', { prefix: `${id}/` }, trx);
    await deleteEntities(ctx, serviceId, 'policy', { id: `product:${id}` }, trx);
    for (const subscription of subscriptions) {
      await deleteEntities(ctx, serviceId, 'subscription', { id: subscription.id }, trx);
    }
  });
}
