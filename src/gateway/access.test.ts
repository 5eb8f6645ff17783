import { describe, expect, it } from 'vitest';
import {
  createAccessTable,
  decideAccess,
  digestOf,
  INVALID_KEY_MESSAGE,
  type KnownKey,
  MISSING_KEY_MESSAGE,
  readKey,
  subscriptionKeyDigest,
} from './access.js';
import { type GatewayApi, GatewayFailure, type GatewaySubscription } from './types.js';

const API: GatewayApi = {
  id: 'orders',
  path: 'orders',
  serviceUrl: 'http://backend',
  protocols: ['https'],
  subscriptionRequired: true,
  keyHeader: 'x-key',
  keyQuery: 'key',
  operations: [],
};
const OPEN_API: GatewayApi = { ...API, id: 'public', subscriptionRequired: false };

function sub(
  id: string,
  scope: GatewaySubscription['scope'],
  state: GatewaySubscription['state'] = 'active',
): GatewaySubscription {
  return {
    id,
    scope,
    state,
    primaryKey: `${id}-primary`,
    secondaryKey: `${id}-secondary`,
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

const TABLE = createAccessTable(
  [
    sub('all', { kind: 'all' }),
    sub('api', { kind: 'api', apiId: 'orders' }),
    sub('other-api', { kind: 'api', apiId: 'public' }),
    sub('starter', { kind: 'product', productId: 'starter' }),
    sub('empty', { kind: 'product', productId: 'empty' }),
    sub('suspended', { kind: 'all' }, 'suspended'),
  ],
  [
    { id: 'starter', subscriptionRequired: true, apiIds: new Set(['orders']) },
    { id: 'empty', subscriptionRequired: true, apiIds: new Set() },
    { id: 'free', subscriptionRequired: false, apiIds: new Set(['free-api']) },
  ],
);

function failureOf(run: () => unknown): GatewayFailure {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayFailure) {
      return error;
    }
  }
  throw new Error('expected a GatewayFailure');
}

describe('readKey', () => {
  it('reads the header first and the query only when the header is absent', () => {
    expect(readKey(API, new Map([['x-key', ['h']]]), new URLSearchParams('key=q'))).toBe('h');
    expect(readKey(API, new Map(), new URLSearchParams('key=q'))).toBe('q');
    expect(readKey(API, new Map([['x-key', ['']]]), new URLSearchParams('key=q'))).toBe('');
    expect(readKey(API, new Map(), new URLSearchParams())).toBeUndefined();
  });
});

describe('decideAccess', () => {
  it('admits all-API and API-scoped keys without a product context, either key of the pair', () => {
    expect(decideAccess(TABLE, API, 'all-primary')).toMatchObject({
      product: undefined,
      subscription: { id: 'all' },
    });
    expect(decideAccess(TABLE, API, 'api-secondary').subscription?.id).toBe('api');
  });

  it('admits a product key for an API in the product, in that product context', () => {
    expect(decideAccess(TABLE, API, 'starter-primary').product?.id).toBe('starter');
  });

  it("gives APIM's invalid-key 401 for unknown, inactive and out-of-scope keys", () => {
    for (const key of ['nope', 'suspended-primary', 'empty-primary', 'other-api-primary', '']) {
      const failure = failureOf(() => decideAccess(TABLE, API, key));
      expect([failure.status, failure.message, failure.reason]).toEqual([
        401,
        INVALID_KEY_MESSAGE,
        'SubscriptionKeyInvalid',
      ]);
    }
  });

  it("gives APIM's missing-key 401 without a key, unless an open product or the API itself admits the call", () => {
    expect(failureOf(() => decideAccess(TABLE, API, undefined)).message).toBe(MISSING_KEY_MESSAGE);
    expect(decideAccess(TABLE, { ...API, id: 'free-api' }, undefined).product?.id).toBe('free');
    expect(decideAccess(TABLE, OPEN_API, undefined)).toEqual({
      product: undefined,
      subscription: undefined,
      key: undefined,
    });
    expect(decideAccess(TABLE, OPEN_API, 'all-primary').subscription?.id).toBe('all');
  });
});

describe('a key whose digest the caller already has', () => {
  const known: KnownKey = {
    header: 'x-key',
    value: 'api-primary',
    digest: subscriptionKeyDigest('api-primary'),
  };

  it('is looked up by that digest when it came from the header the caller put it in', () => {
    expect(digestOf(API, 'api-primary', known)).toBe(known.digest);
    expect(decideAccess(TABLE, API, 'api-primary', known).subscription?.id).toBe('api');
    // A stale digest is what is looked up, so it is the one in use: the key is refused.
    const stale = { ...known, digest: subscriptionKeyDigest('gone') };
    expect(failureOf(() => decideAccess(TABLE, API, 'api-primary', stale)).message).toBe(INVALID_KEY_MESSAGE);
  });

  it('is ignored for a key read from another header or with another value, which are hashed', () => {
    const otherHeader = { ...known, header: 'ocp-apim-subscription-key', digest: 'not-a-digest' };
    expect(digestOf(API, 'api-primary', otherHeader)).toBe(subscriptionKeyDigest('api-primary'));
    const otherValue = { ...known, digest: 'not-a-digest' };
    expect(digestOf(API, 'all-primary', otherValue)).toBe(subscriptionKeyDigest('all-primary'));
    expect(decideAccess(TABLE, API, 'all-primary', otherValue).subscription?.id).toBe('all');
  });
});
