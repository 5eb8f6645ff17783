/**
 * The API Management routes of the management API (docs/rest-api.md): services, APIs, operations,
 * products and their APIs, subscriptions with their keys, named values, and policies at every scope.
 */
import { PorticoError } from '../../shared/errors.js';
import {
  type ApimService,
  type ApiProperties,
  addProductApi,
  deleteApi,
  deleteApimService,
  deleteNamedValue,
  deleteOperation,
  deletePolicy,
  deleteProduct,
  deleteSubscription,
  findApimService,
  getApimService,
  getEntity,
  getPolicy,
  importApi,
  isImport,
  keysOf,
  listApimServices,
  listEntities,
  listNamedValues,
  listSubscriptions,
  type NamedValueProperties,
  namedValueText,
  type OperationProperties,
  type PolicyTarget,
  type ProductProperties,
  productApiIds,
  putApi,
  putApimService,
  putNamedValue,
  putOperation,
  putPolicy,
  putProduct,
  putSubscription,
  regenerateKey,
  removeProductApi,
  type SubscriptionProperties,
  setSubscriptionState,
} from '../apim/index.js';
import type { ControlContext } from '../context.js';
import {
  apiResource,
  namedValueResource,
  operationResource,
  policyResource,
  productResource,
  serviceResource,
  serviceResourceId,
  subscriptionResource,
} from './apim-resources.js';
import { readJson } from './http.js';
import { checkScope, checkSubscription, propertiesOf } from './params.js';
import type { Route, RouteRequest, RouteResult } from './router.js';

const SERVICES =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ApiManagement/service';
const SVC = `${SERVICES}/{serviceName}`;

/** The API Management routes. */
export function createApimRoutes(ctx: ControlContext): Route[] {
  return [
    ...serviceRoutes(ctx),
    ...apiRoutes(ctx),
    ...productRoutes(ctx),
    ...subscriptionRoutes(ctx),
    ...namedValueRoutes(ctx),
    ...policyRoutes(ctx),
  ];
}

/** A route on one service, for the admin: its handler gets the service the path names. */
interface ServiceRoute extends Omit<Route, 'auth' | 'handler'> {
  readonly handle: (service: ApimService, r: RouteRequest) => Promise<RouteResult>;
}

/** The routes, each finding its service (404 when there is none) before it runs. */
function onService(ctx: ControlContext, routes: readonly ServiceRoute[]): Route[] {
  return routes.map(({ handle, ...route }) => ({
    ...route,
    auth: 'admin',
    handler: async (r) => handle(await serviceOf(ctx, r), r),
  }));
}

async function serviceOf(ctx: ControlContext, r: RouteRequest): Promise<ApimService> {
  checkScope(r.params);
  return getApimService(ctx, r.params.serviceName ?? '');
}

function param(r: RouteRequest, name: string): string {
  return r.params[name] ?? '';
}

async function bodyProperties(r: RouteRequest): Promise<Record<string, unknown>> {
  return propertiesOf(await readJson(r.req, 1024 * 1024));
}

function saved(created: boolean, body: unknown): RouteResult {
  return { status: created ? 201 : 200, body };
}

function serviceRoutes(ctx: ControlContext): Route[] {
  const view = (service: ApimService) => serviceResource(service, ctx.publicUrl(service.gatewayHostname));
  return [
    {
      method: 'GET',
      path: SERVICES,
      auth: 'admin',
      summary: 'List API Management services',
      handler: async (r) => {
        checkScope(r.params);
        return { status: 200, body: { value: (await listApimServices(ctx)).map(view) } };
      },
    },
    {
      method: 'GET',
      path: '/subscriptions/{subscriptionId}/providers/Microsoft.ApiManagement/service',
      auth: 'admin',
      summary: 'List API Management services of the subscription (the same list: one resource group)',
      handler: async (r) => {
        checkSubscription(r.params);
        return { status: 200, body: { value: (await listApimServices(ctx)).map(view) } };
      },
    },
    {
      method: 'PUT',
      path: SVC,
      auth: 'admin',
      summary:
        'Create an API Management service (its gateway answers at gatewayHostname), or change its network settings (If-None-Match: * only creates: 409 if it exists)',
      requestExample: {
        location: 'portico',
        sku: { name: 'Developer', capacity: 1 },
        properties: { publicNetworkAccess: 'Enabled', virtualNetworkType: 'None' },
      },
      handler: async (r) => {
        checkScope(r.params);
        const props = propertiesOf(await readJson(r.req, 64 * 1024));
        const name = param(r, 'serviceName');
        if (r.req.headers['if-none-match'] === '*' && (await findApimService(ctx, name)) !== undefined) {
          throw new PorticoError(
            'CONTROL_APIM_CONFLICT',
            `An API Management service named '${name}' exists already; pick another name.`,
          );
        }
        const { service, created } = await putApimService(ctx, name, props);
        return saved(created, view(service));
      },
    },
    {
      method: 'GET',
      path: SVC,
      auth: 'admin',
      summary: 'Get an API Management service',
      handler: async (r) => ({ status: 200, body: view(await serviceOf(ctx, r)) }),
    },
    {
      method: 'DELETE',
      path: SVC,
      auth: 'admin',
      summary: 'Delete an API Management service (refused while a site is linked to it)',
      handler: async (r) => {
        checkScope(r.params);
        await deleteApimService(ctx, param(r, 'serviceName'));
        return { status: 204 };
      },
    },
  ];
}

function apiRoutes(ctx: ControlContext): Route[] {
  const API = `${SVC}/apis/{apiId}`;
  const OP = `${API}/operations/{operationId}`;
  return onService(ctx, [
    {
      method: 'GET',
      path: `${SVC}/apis`,
      summary: 'List the APIs of a service',
      handle: async (service) => {
        const apis = await listEntities<ApiProperties>(ctx, service.id, 'api');
        return { status: 200, body: { value: apis.map((api) => apiResource(service, api)) } };
      },
    },
    {
      method: 'PUT',
      path: API,
      summary:
        'Create or replace an API; with properties.format (openapi, openapi+json, openapi-link, …) and properties.value, import it and its operations from an OpenAPI or Swagger document',
      requestExample: {
        properties: {
          path: 'api',
          serviceUrl: 'http://127.0.0.1:7071/api',
          protocols: ['https'],
          subscriptionRequired: true,
        },
      },
      handle: async (service, r) => {
        const props = propertiesOf(await readJson(r.req, 10 * 1024 * 1024));
        const put = isImport(props) ? importApi : putApi;
        const { api, created } = await put(ctx, service.id, param(r, 'apiId'), props);
        return saved(created, apiResource(service, api));
      },
    },
    {
      method: 'GET',
      path: API,
      summary: 'Get an API',
      handle: async (service, r) => ({
        status: 200,
        body: apiResource(service, await getEntity<ApiProperties>(ctx, service.id, 'api', param(r, 'apiId'))),
      }),
    },
    {
      method: 'DELETE',
      path: API,
      summary: 'Delete an API with its operations and policies',
      handle: async (service, r) => {
        await deleteApi(ctx, service.id, param(r, 'apiId'));
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      path: `${API}/operations`,
      summary: 'List the operations of an API',
      handle: async (service, r) => {
        const apiId = param(r, 'apiId');
        await getEntity(ctx, service.id, 'api', apiId);
        const operations = await listEntities<OperationProperties>(ctx, service.id, 'operation', `${apiId}/`);
        return {
          status: 200,
          body: { value: operations.map((op) => operationResource(service, apiId, op)) },
        };
      },
    },
    {
      method: 'PUT',
      path: OP,
      summary: 'Create or replace an operation',
      requestExample: { properties: { method: 'GET', urlTemplate: '/users/{id}' } },
      handle: async (service, r) => {
        const apiId = param(r, 'apiId');
        const { operation, created } = await putOperation(
          ctx,
          service.id,
          apiId,
          param(r, 'operationId'),
          await bodyProperties(r),
        );
        return saved(created, operationResource(service, apiId, operation));
      },
    },
    {
      method: 'GET',
      path: OP,
      summary: 'Get an operation',
      handle: async (service, r) => {
        const apiId = param(r, 'apiId');
        const operation = await getEntity<OperationProperties>(
          ctx,
          service.id,
          'operation',
          `${apiId}/${param(r, 'operationId')}`,
        );
        return { status: 200, body: operationResource(service, apiId, operation) };
      },
    },
    {
      method: 'DELETE',
      path: OP,
      summary: 'Delete an operation',
      handle: async (service, r) => {
        await deleteOperation(ctx, service.id, param(r, 'apiId'), param(r, 'operationId'));
        return { status: 204 };
      },
    },
  ]);
}

function productRoutes(ctx: ControlContext): Route[] {
  const PRODUCT = `${SVC}/products/{productId}`;
  return onService(ctx, [
    {
      method: 'GET',
      path: `${SVC}/products`,
      summary: 'List the products of a service',
      handle: async (service) => {
        const products = await listEntities<ProductProperties>(ctx, service.id, 'product');
        return { status: 200, body: { value: products.map((product) => productResource(service, product)) } };
      },
    },
    {
      method: 'PUT',
      path: PRODUCT,
      summary: 'Create or replace a product',
      requestExample: {
        properties: { displayName: 'Starter', subscriptionRequired: true, state: 'published' },
      },
      handle: async (service, r) => {
        const { product, created } = await putProduct(
          ctx,
          service.id,
          param(r, 'productId'),
          await bodyProperties(r),
        );
        return saved(created, productResource(service, product));
      },
    },
    {
      method: 'GET',
      path: PRODUCT,
      summary: 'Get a product',
      handle: async (service, r) => {
        const product = await getEntity<ProductProperties>(ctx, service.id, 'product', param(r, 'productId'));
        return { status: 200, body: productResource(service, product) };
      },
    },
    {
      method: 'DELETE',
      path: PRODUCT,
      summary: 'Delete a product (with ?deleteSubscriptions=true when it has subscriptions)',
      handle: async (service, r) => {
        await deleteProduct(
          ctx,
          service.id,
          param(r, 'productId'),
          r.query.get('deleteSubscriptions') === 'true',
        );
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      path: `${PRODUCT}/apis`,
      summary: 'List the APIs of a product',
      handle: async (service, r) => {
        const productId = param(r, 'productId');
        await getEntity(ctx, service.id, 'product', productId);
        const apis = await Promise.all(
          (await productApiIds(ctx, service.id, productId)).map((apiId) =>
            getEntity<ApiProperties>(ctx, service.id, 'api', apiId),
          ),
        );
        return { status: 200, body: { value: apis.map((api) => apiResource(service, api)) } };
      },
    },
    {
      method: 'GET',
      path: `${PRODUCT}/apis/{apiId}`,
      summary: 'An API of a product (HEAD: whether the product has it)',
      handle: async (service, r) => {
        const productId = param(r, 'productId');
        await getEntity(ctx, service.id, 'product', productId);
        const apiId = param(r, 'apiId');
        if (!(await productApiIds(ctx, service.id, productId)).includes(apiId)) {
          throw new PorticoError(
            'CONTROL_APIM_NOT_FOUND',
            `The product '${productId}' does not contain the API '${apiId}'; add it with PUT …/products/${productId}/apis/${apiId}.`,
          );
        }
        if (r.req.method === 'HEAD') {
          return { status: 204 }; // Azure's "entity exists" answer
        }
        return {
          status: 200,
          body: apiResource(service, await getEntity<ApiProperties>(ctx, service.id, 'api', apiId)),
        };
      },
    },
    {
      method: 'PUT',
      path: `${PRODUCT}/apis/{apiId}`,
      summary: 'Add an API to a product',
      handle: async (service, r) => {
        const added = await addProductApi(ctx, service.id, param(r, 'productId'), param(r, 'apiId'));
        const api = await getEntity<ApiProperties>(ctx, service.id, 'api', param(r, 'apiId'));
        return saved(added, apiResource(service, api));
      },
    },
    {
      method: 'DELETE',
      path: `${PRODUCT}/apis/{apiId}`,
      summary: 'Remove an API from a product',
      handle: async (service, r) => {
        await removeProductApi(ctx, service.id, param(r, 'productId'), param(r, 'apiId'));
        return { status: 204 };
      },
    },
  ]);
}

function subscriptionRoutes(ctx: ControlContext): Route[] {
  const SUB = `${SVC}/subscriptions/{sid}`;
  const subscriptionOf = (service: ApimService, r: RouteRequest) =>
    getEntity<SubscriptionProperties>(ctx, service.id, 'subscription', param(r, 'sid'));
  const regenerate = (which: 'primary' | 'secondary'): ServiceRoute => ({
    method: 'POST',
    path: `${SUB}/regenerate${which === 'primary' ? 'Primary' : 'Secondary'}Key`,
    summary: `Replace the ${which} key of a subscription (the old one stops working)`,
    handle: async (service, r) => {
      await regenerateKey(ctx, service.id, param(r, 'sid'), which);
      return { status: 204 };
    },
  });
  return onService(ctx, [
    {
      method: 'GET',
      path: `${SVC}/subscriptions`,
      summary: 'List the subscriptions of a service (without keys)',
      handle: async (service) => {
        const subscriptions = await listSubscriptions(ctx, service.id);
        return { status: 200, body: { value: subscriptions.map((s) => subscriptionResource(service, s)) } };
      },
    },
    {
      method: 'PUT',
      path: SUB,
      summary: 'Create or replace a subscription (new ones are submitted unless a state is given)',
      requestExample: { properties: { scope: '/products/starter', displayName: 'Contoso', state: 'active' } },
      handle: async (service, r) => {
        const { subscription, created } = await putSubscription(
          ctx,
          service.id,
          param(r, 'sid'),
          await bodyProperties(r),
        );
        return saved(created, subscriptionResource(service, subscription));
      },
    },
    {
      method: 'PATCH',
      path: SUB,
      summary: 'Change the state of a subscription',
      requestExample: { properties: { state: 'suspended' } },
      handle: async (service, r) => {
        const props = await bodyProperties(r);
        if (props.state === undefined) {
          throw new PorticoError(
            'CONTROL_BAD_REQUEST',
            'properties.state is required (active, suspended, submitted, rejected, cancelled or expired).',
          );
        }
        return {
          status: 200,
          body: subscriptionResource(
            service,
            await setSubscriptionState(ctx, service.id, param(r, 'sid'), props.state),
          ),
        };
      },
    },
    {
      method: 'GET',
      path: SUB,
      summary: 'Get a subscription (without keys)',
      handle: async (service, r) => ({
        status: 200,
        body: subscriptionResource(service, await subscriptionOf(service, r)),
      }),
    },
    {
      method: 'DELETE',
      path: SUB,
      summary: 'Delete a subscription',
      handle: async (service, r) => {
        await deleteSubscription(ctx, service.id, param(r, 'sid'));
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: `${SUB}/listSecrets`,
      summary: 'The keys of a subscription',
      handle: async (service, r) => ({ status: 200, body: keysOf(await subscriptionOf(service, r)) }),
    },
    regenerate('primary'),
    regenerate('secondary'),
  ]);
}

function namedValueRoutes(ctx: ControlContext): Route[] {
  const NV = `${SVC}/namedValues/{namedValueId}`;
  const namedValueOf = (service: ApimService, r: RouteRequest) =>
    getEntity<NamedValueProperties>(ctx, service.id, 'named-value', param(r, 'namedValueId'));
  return onService(ctx, [
    {
      method: 'GET',
      path: `${SVC}/namedValues`,
      summary: 'List the named values of a service (secret values hidden)',
      handle: async (service) => {
        const values = await listNamedValues(ctx, service.id);
        return { status: 200, body: { value: values.map((value) => namedValueResource(service, value)) } };
      },
    },
    {
      method: 'PUT',
      path: NV,
      summary: 'Create or replace a named value',
      requestExample: { properties: { displayName: 'backend-secret', value: 's3cr3t', secret: true } },
      handle: async (service, r) => {
        const { namedValue, created } = await putNamedValue(
          ctx,
          service.id,
          param(r, 'namedValueId'),
          await bodyProperties(r),
        );
        return saved(created, namedValueResource(service, namedValue));
      },
    },
    {
      method: 'GET',
      path: NV,
      summary: 'Get a named value (a secret value is hidden)',
      handle: async (service, r) => ({
        status: 200,
        body: namedValueResource(service, await namedValueOf(service, r)),
      }),
    },
    {
      method: 'DELETE',
      path: NV,
      summary: 'Delete a named value no policy uses',
      handle: async (service, r) => {
        await deleteNamedValue(ctx, service.id, param(r, 'namedValueId'));
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: `${NV}/listValue`,
      summary: 'The value of a named value, secret or not',
      handle: async (service, r) => ({
        status: 200,
        body: { value: namedValueText(await namedValueOf(service, r)) },
      }),
    },
  ]);
}

/** GET, PUT and DELETE of the policy at each scope. */
function policyRoutes(ctx: ControlContext): Route[] {
  const scopes: readonly { path: string; label: string; target: (r: RouteRequest) => PolicyTarget }[] = [
    { path: SVC, label: 'the service (global)', target: () => ({ scope: 'global' }) },
    {
      path: `${SVC}/products/{productId}`,
      label: 'a product',
      target: (r) => ({ scope: 'product', productId: param(r, 'productId') }),
    },
    {
      path: `${SVC}/apis/{apiId}`,
      label: 'an API',
      target: (r) => ({ scope: 'api', apiId: param(r, 'apiId') }),
    },
    {
      path: `${SVC}/apis/{apiId}/operations/{operationId}`,
      label: 'an operation',
      target: (r) => ({ scope: 'operation', apiId: param(r, 'apiId'), operationId: param(r, 'operationId') }),
    },
  ];
  const scopePath = (r: RouteRequest) =>
    new URL(r.req.url ?? '/', 'http://x').pathname.replace(/\/policies\/policy$/i, '');
  const routes = scopes.flatMap(({ path, label, target }): ServiceRoute[] => [
    {
      method: 'GET',
      path: `${path}/policies/policy`,
      summary: `Get the policy of ${label}`,
      handle: async (service, r) => ({
        status: 200,
        body: policyResource(scopePath(r), await getPolicy(ctx, service.id, target(r))),
      }),
    },
    {
      method: 'PUT',
      path: `${path}/policies/policy`,
      summary: `Set the policy of ${label} (checked: malformed XML or an unsupported policy is refused with its line)`,
      requestExample: {
        properties: {
          format: 'rawxml',
          value:
            '<policies><inbound><base /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>',
        },
      },
      handle: async (service, r) => {
        const { policy, created } = await putPolicy(ctx, service.id, target(r), await bodyProperties(r));
        return saved(created, policyResource(scopePath(r), policy));
      },
    },
    {
      method: 'DELETE',
      path: `${path}/policies/policy`,
      summary: `Delete the policy of ${label}`,
      handle: async (service, r) => {
        await deletePolicy(ctx, service.id, target(r));
        return { status: 204 };
      },
    },
  ]);
  return onService(ctx, routes);
}

export { serviceResourceId };
