/**
 * The subscription key decision (spec/apim.md §1.2): the key comes from the API's header, else its query
 * parameter; a key must belong to an active subscription whose scope covers the API; without a key the
 * call runs in an open product's context, else in the API's when it needs no subscription. Keys are
 * looked up by their SHA-256, so no comparison ever runs over the secret bytes.
 */
import * as crypto from 'node:crypto';
import { type GatewayApi, GatewayFailure, type GatewayProduct, type GatewaySubscription } from './types.js';

export const MISSING_KEY_MESSAGE =
  'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.';
export const INVALID_KEY_MESSAGE =
  'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.';

/** Subscriptions by the SHA-256 of each key, and products by API. */
export interface AccessTable {
  readonly byKeyHash: ReadonlyMap<string, GatewaySubscription>;
  readonly products: ReadonlyMap<string, GatewayProduct>;
  /** API id → the open product (subscription not required) that holds it. */
  readonly openProductOf: ReadonlyMap<string, GatewayProduct>;
}

/** The context a call runs in. */
export interface AccessGrant {
  readonly product: GatewayProduct | undefined;
  readonly subscription: GatewaySubscription | undefined;
  readonly key: string | undefined;
}

/**
 * `crypto.hash` (Node 20.12 and later) is the one-shot form of `createHash(…).update(…).digest(…)`, with
 * the same digest and about a quarter of the cost: a keyed call hashes its key on every call.
 */
const sha256Hex: (data: string) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** The digest a subscription key is looked up by. */
export function subscriptionKeyDigest(key: string): string {
  return sha256Hex(key);
}

/**
 * A subscription key whose digest the caller already has, and the header it sends it in: a linked site of
 * the same process hands its link's key this way, so a call of the link does not hash the same key again
 * (decision 0027).
 */
export interface KnownKey {
  /** Lower-case name of the header the key is sent in. */
  readonly header: string;
  readonly value: string;
  /** {@link subscriptionKeyDigest} of `value`. */
  readonly digest: string;
}

/**
 * The digest of the key a call presented. The known key's digest is used only when the key was read from
 * the very header the caller put it in: a linked site's edge drops that header from what its client sent,
 * so neither the value compared nor the one it is compared with ever comes from a client.
 */
export function digestOf(api: GatewayApi, key: string, known: KnownKey | undefined): string {
  return known !== undefined && known.header === api.keyHeader && known.value === key
    ? known.digest
    : subscriptionKeyDigest(key);
}

/** Builds the lookup tables of a service. */
export function createAccessTable(
  subscriptions: readonly GatewaySubscription[],
  products: readonly GatewayProduct[],
): AccessTable {
  const byKeyHash = new Map<string, GatewaySubscription>();
  for (const subscription of subscriptions) {
    byKeyHash.set(subscriptionKeyDigest(subscription.primaryKey), subscription);
    byKeyHash.set(subscriptionKeyDigest(subscription.secondaryKey), subscription);
  }
  const openProductOf = new Map<string, GatewayProduct>();
  for (const product of products) {
    if (!product.subscriptionRequired) {
      for (const apiId of product.apiIds) {
        openProductOf.set(apiId, product);
      }
    }
  }
  return { byKeyHash, products: new Map(products.map((p) => [p.id, p])), openProductOf };
}

/** The key a caller sent: the API's header first, the query parameter only when the header is absent. */
export function readKey(
  api: GatewayApi,
  headers: ReadonlyMap<string, string[]>,
  query: URLSearchParams,
): string | undefined {
  const header = headers.get(api.keyHeader);
  if (header !== undefined) {
    return header[0] ?? '';
  }
  return query.get(api.keyQuery) ?? undefined;
}

function failure(message: string, reason: string): GatewayFailure {
  return new GatewayFailure(401, message, { reason, source: 'subscription' });
}

/**
 * Decides whether a call may proceed and in which product's context; throws APIM's 401 otherwise. `known`
 * is the caller's own key with its digest, when it has one ({@link digestOf}).
 */
export function decideAccess(
  table: AccessTable,
  api: GatewayApi,
  key: string | undefined,
  known?: KnownKey,
): AccessGrant {
  if (key !== undefined) {
    const subscription = table.byKeyHash.get(digestOf(api, key, known));
    if (subscription === undefined || subscription.state !== 'active') {
      throw failure(INVALID_KEY_MESSAGE, 'SubscriptionKeyInvalid');
    }
    const scope = subscription.scope;
    if (scope.kind === 'all' || (scope.kind === 'api' && scope.apiId === api.id)) {
      return { product: undefined, subscription, key };
    }
    const product = scope.kind === 'product' ? table.products.get(scope.productId) : undefined;
    if (product?.apiIds.has(api.id) === true) {
      return { product, subscription, key };
    }
    throw failure(INVALID_KEY_MESSAGE, 'SubscriptionKeyInvalid');
  }
  const open = table.openProductOf.get(api.id);
  if (open !== undefined) {
    return { product: open, subscription: undefined, key: undefined };
  }
  if (!api.subscriptionRequired) {
    return { product: undefined, subscription: undefined, key: undefined };
  }
  throw failure(MISSING_KEY_MESSAGE, 'SubscriptionKeyNotFound');
}
