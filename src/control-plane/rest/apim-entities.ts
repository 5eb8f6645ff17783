/**
 * The entities under an API Management service, one table entry each (decision 0042): a new entity is one
 * entry in {@link APIM_ENTITIES} over its storage functions in `control-plane/apim/`.
 */
import { PorticoError } from '../../shared/errors.js';
import {
  type ApimService,
  type ApiProperties,
  addProductApi,
  deleteApi,
  deleteNamedValue,
  deleteOperation,
  deleteProduct,
  deleteSubscription,
  getEntity,
  importApi,
  isImport,
  keysOf,
  listEntities,
  listNamedValues,
  listSubscriptions,
  type NamedValueProperties,
  namedValueText,
  type OperationProperties,
  type ProductProperties,
  productApiIds,
  putApi,
  putNamedValue,
  putOperation,
  putProduct,
  putSubscription,
  regenerateKey,
  removeProductApi,
  type StoredEntity,
  type SubscriptionProperties,
  updateSubscription,
} from '../apim/index.js';
import type { ControlContext } from '../context.js';
import {
  API_FIELDS,
  keyVaultRefreshFailed,
  NAMED_VALUE_FIELDS,
  NO_TAGS,
  OPERATION_FIELDS,
  PRODUCT_FIELDS,
  refuseExport,
  refuseListParameter,
  SUBSCRIPTION_FIELDS,
} from './apim-list-options.js';
import {
  apiResource,
  namedValueResource,
  operationResource,
  productResource,
  subscriptionResource,
} from './apim-resources.js';
import type { Entity, EntityAction, EntityCall } from './entity-routes.js';

/** What an entity's functions get: the service the path names, found before anything else runs. */
export interface ServiceCall extends EntityCall {
  readonly ctx: ControlContext;
  readonly service: ApimService;
  /** A path parameter (`''` when absent); `apiId` is the API's stored id (`x` for `x;rev=1`). */
  param(name: string): string;
  /**
   * The name an API's resources answer with: as the path gives it (`x;rev=1`, as Azure answers a
   * revision) when the path names the API `id`, else `id` (decision 0123).
   */
  apiName(id: string): string;
  /** The `properties` of the JSON body, read up to `limit` bytes (default 1 MiB). */
  properties(limit?: number): Promise<Record<string, unknown>>;
}

/** The collection of API Management services, as Azure names it. */
export const SERVICES =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ApiManagement/service';
/** One service: the entities' paths are below it. */
export const SERVICE_PATH = `${SERVICES}/{serviceName}`;
/** One API: its id may name its revision, `x;rev=1` (decision 0123). */
export const API_PATH = `${SERVICE_PATH}/apis/{apiId}`;
const API = API_PATH;
const PRODUCT = `${SERVICE_PATH}/products/{productId}`;
const SUBSCRIPTION = `${SERVICE_PATH}/subscriptions/{sid}`;

type Api = StoredEntity<ApiProperties>;

const apiOf = (at: ServiceCall, id = at.param('apiId')) =>
  getEntity<ApiProperties>(at.ctx, at.service.id, 'api', id);

const APIS: Entity<ServiceCall, Api> = {
  path: API,
  names: { one: 'an API', plural: 'APIs', parent: 'a service' },
  notes: {
    put: '; with properties.format (openapi, openapi+json, openapi-link, …) and properties.value, import it and its operations from an OpenAPI or Swagger document',
    delete: ' with its operations, policies and the subscriptions scoped to it',
  },
  examples: {
    put: {
      properties: {
        path: 'api',
        serviceUrl: 'http://127.0.0.1:7071/api',
        protocols: ['https'],
        subscriptionRequired: true,
      },
    },
  },
  resource: (at, api) => apiResource(at.service, api, at.apiName(api.id)),
  list: (at) => {
    refuseListParameter(at.r.query, 'tags', NO_TAGS);
    return listEntities<ApiProperties>(at.ctx, at.service.id, 'api');
  },
  listFields: API_FIELDS,
  put: async (at) => {
    const props = await at.properties(10 * 1024 * 1024);
    const put = isImport(props) ? importApi : putApi;
    const { api, created } = await put(at.ctx, at.service.id, at.param('apiId'), props);
    return { entity: api, created };
  },
  // Azure's `Apis - Update`: the properties given replace those stored, the others stay.
  patch: async (at) => {
    const existing = await apiOf(at);
    const changes = await at.properties();
    const { api } = await putApi(at.ctx, at.service.id, existing.id, { ...existing.properties, ...changes });
    return api;
  },
  get: (at) => {
    refuseExport(at.r, at.param('apiId'));
    return apiOf(at);
  },
  delete: (at) => deleteApi(at.ctx, at.service.id, at.param('apiId')),
};

const operationOf = (at: ServiceCall) =>
  getEntity<OperationProperties>(
    at.ctx,
    at.service.id,
    'operation',
    `${at.param('apiId')}/${at.param('operationId')}`,
  );

const OPERATIONS: Entity<ServiceCall, StoredEntity<OperationProperties>> = {
  path: `${API}/operations/{operationId}`,
  names: { one: 'an operation', plural: 'operations', parent: 'an API' },
  examples: { put: { properties: { method: 'GET', urlTemplate: '/users/{id}' } } },
  resource: (at, operation) => {
    const apiId = at.param('apiId');
    return operationResource(at.service, apiId, operation, at.apiName(apiId));
  },
  list: async (at) => {
    await apiOf(at);
    return listEntities<OperationProperties>(at.ctx, at.service.id, 'operation', `${at.param('apiId')}/`);
  },
  listFields: OPERATION_FIELDS,
  put: async (at) => {
    const { operation, created } = await putOperation(
      at.ctx,
      at.service.id,
      at.param('apiId'),
      at.param('operationId'),
      await at.properties(),
    );
    return { entity: operation, created };
  },
  // Azure's `Api Operation - Update`: the properties given replace those stored, the others stay.
  patch: async (at) => {
    const existing = await operationOf(at);
    const changes = await at.properties();
    const { operation } = await putOperation(
      at.ctx,
      at.service.id,
      at.param('apiId'),
      at.param('operationId'),
      { ...existing.properties, ...changes },
    );
    return operation;
  },
  get: (at) => operationOf(at),
  delete: (at) => deleteOperation(at.ctx, at.service.id, at.param('apiId'), at.param('operationId')),
};

const PRODUCTS: Entity<ServiceCall, StoredEntity<ProductProperties>> = {
  path: PRODUCT,
  names: { one: 'a product', plural: 'products', parent: 'a service' },
  notes: { delete: ' (with ?deleteSubscriptions=true when it has subscriptions)' },
  examples: {
    put: { properties: { displayName: 'Starter', subscriptionRequired: true, state: 'published' } },
  },
  resource: (at, product) => productResource(at.service, product),
  list: (at) => {
    refuseListParameter(at.r.query, 'tags', NO_TAGS);
    refuseListParameter(at.r.query, 'expandGroups', 'Portico has no groups of developers to expand', 'false');
    return listEntities<ProductProperties>(at.ctx, at.service.id, 'product');
  },
  listFields: PRODUCT_FIELDS,
  put: async (at) => {
    const { product, created } = await putProduct(
      at.ctx,
      at.service.id,
      at.param('productId'),
      await at.properties(),
    );
    return { entity: product, created };
  },
  // Azure's `Product - Update`: the properties given replace those stored, the others stay.
  patch: async (at) => {
    const existing = await getEntity<ProductProperties>(
      at.ctx,
      at.service.id,
      'product',
      at.param('productId'),
    );
    const changes = await at.properties();
    const { product } = await putProduct(at.ctx, at.service.id, existing.id, {
      ...existing.properties,
      ...changes,
    });
    return product;
  },
  get: (at) => getEntity<ProductProperties>(at.ctx, at.service.id, 'product', at.param('productId')),
  delete: (at) =>
    deleteProduct(
      at.ctx,
      at.service.id,
      at.param('productId'),
      at.r.query.get('deleteSubscriptions') === 'true',
    ),
};

/** The product exists and has the API, or a 404 naming what is missing. */
async function checkProductApi(at: ServiceCall): Promise<void> {
  const productId = at.param('productId');
  await getEntity(at.ctx, at.service.id, 'product', productId);
  const apiId = at.param('apiId');
  if (!(await productApiIds(at.ctx, at.service.id, productId)).includes(apiId)) {
    throw new PorticoError(
      'CONTROL_APIM_NOT_FOUND',
      `The product '${productId}' does not contain the API '${apiId}'; add it with PUT …/products/${productId}/apis/${apiId}.`,
    );
  }
}

/** The APIs of a product: a link, so PUT has no body and HEAD answers whether the product has the API. */
const PRODUCT_APIS: Entity<ServiceCall, Api> = {
  path: `${PRODUCT}/apis/{apiId}`,
  names: { one: 'an API', plural: 'APIs', parent: 'a product' },
  summaries: {
    get: 'An API of a product (HEAD: whether the product has it)',
    put: 'Add an API to a product',
    delete: 'Remove an API from a product',
  },
  resource: (at, api) => apiResource(at.service, api, at.apiName(api.id)),
  list: async (at) => {
    const productId = at.param('productId');
    await getEntity(at.ctx, at.service.id, 'product', productId);
    const ids = await productApiIds(at.ctx, at.service.id, productId);
    return Promise.all(ids.map((apiId) => apiOf(at, apiId)));
  },
  listFields: API_FIELDS,
  exists: checkProductApi,
  get: async (at) => {
    await checkProductApi(at);
    return apiOf(at);
  },
  put: async (at) => {
    const created = await addProductApi(at.ctx, at.service.id, at.param('productId'), at.param('apiId'));
    return { entity: await apiOf(at), created };
  },
  delete: (at) => removeProductApi(at.ctx, at.service.id, at.param('productId'), at.param('apiId')),
};

const subscriptionOf = (at: ServiceCall) =>
  getEntity<SubscriptionProperties>(at.ctx, at.service.id, 'subscription', at.param('sid'));

function regenerate(which: 'primary' | 'secondary'): EntityAction<ServiceCall> {
  return {
    method: 'POST',
    name: `regenerate${which === 'primary' ? 'Primary' : 'Secondary'}Key`,
    summary: `Replace the ${which} key of a subscription (the old one stops working)`,
    handle: async (at) => {
      await regenerateKey(at.ctx, at.service.id, at.param('sid'), which);
      return { status: 204 };
    },
  };
}

const SUBSCRIPTIONS: Entity<ServiceCall, StoredEntity<SubscriptionProperties>> = {
  path: SUBSCRIPTION,
  names: { one: 'a subscription', plural: 'subscriptions', parent: 'a service' },
  notes: {
    list: ' (without keys)',
    put: ' (new ones are submitted unless a state is given)',
    get: ' (without keys)',
  },
  summaries: { patch: 'Change the properties given of a subscription (its state, name, scope, keys, …)' },
  examples: {
    put: { properties: { scope: '/products/starter', displayName: 'Contoso', state: 'active' } },
    patch: { properties: { state: 'suspended' } },
  },
  resource: (at, subscription) => subscriptionResource(at.service, subscription),
  list: (at) => listSubscriptions(at.ctx, at.service.id),
  listFields: SUBSCRIPTION_FIELDS,
  put: async (at) => {
    const saved = await putSubscription(at.ctx, at.service.id, at.param('sid'), await at.properties());
    return { entity: saved.subscription, created: saved.created };
  },
  patch: async (at) => updateSubscription(at.ctx, at.service.id, at.param('sid'), await at.properties()),
  get: subscriptionOf,
  delete: (at) => deleteSubscription(at.ctx, at.service.id, at.param('sid')),
  actions: [
    {
      method: 'POST',
      name: 'listSecrets',
      summary: 'The keys of a subscription',
      handle: async (at) => ({ status: 200, body: keysOf(await subscriptionOf(at)) }),
    },
    regenerate('primary'),
    regenerate('secondary'),
  ],
};

const namedValueOf = (at: ServiceCall) =>
  getEntity<NamedValueProperties>(at.ctx, at.service.id, 'named-value', at.param('namedValueId'));

const NAMED_VALUES: Entity<ServiceCall, StoredEntity<NamedValueProperties>> = {
  path: `${SERVICE_PATH}/namedValues/{namedValueId}`,
  names: { one: 'a named value', plural: 'named values', parent: 'a service' },
  notes: { list: ' (secret values hidden)', get: ' (a secret value is hidden)', delete: ' no policy uses' },
  examples: { put: { properties: { displayName: 'backend-secret', value: 's3cr3t', secret: true } } },
  resource: (at, namedValue) => namedValueResource(at.service, namedValue),
  list: async (at) => (keyVaultRefreshFailed(at.r.query) ? [] : listNamedValues(at.ctx, at.service.id)),
  listFields: NAMED_VALUE_FIELDS,
  put: async (at) => {
    const saved = await putNamedValue(at.ctx, at.service.id, at.param('namedValueId'), await at.properties());
    return { entity: saved.namedValue, created: saved.created };
  },
  // Azure's `Named Value - Update`: the properties given replace those stored; a secret value the
  // request leaves out stays, sealed as before.
  patch: async (at) => {
    const existing = await namedValueOf(at);
    const changes = await at.properties();
    const merged = { ...existing.properties, value: namedValueText(existing), ...changes };
    const saved = await putNamedValue(at.ctx, at.service.id, existing.id, merged);
    return saved.namedValue;
  },
  get: namedValueOf,
  delete: (at) => deleteNamedValue(at.ctx, at.service.id, at.param('namedValueId')),
  actions: [
    {
      method: 'POST',
      name: 'listValue',
      summary: 'The value of a named value, secret or not',
      handle: async (at) => ({ status: 200, body: { value: namedValueText(await namedValueOf(at)) } }),
    },
  ],
};

/** The entities under a service, in route-table order. */
export const APIM_ENTITIES: readonly Entity<ServiceCall, unknown>[] = [
  APIS,
  OPERATIONS,
  PRODUCTS,
  PRODUCT_APIS,
  SUBSCRIPTIONS,
  NAMED_VALUES,
];
