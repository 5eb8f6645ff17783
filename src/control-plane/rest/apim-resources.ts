/** Azure-shaped JSON views of API Management entities (Microsoft.ApiManagement/service/…). */
import type {
  ApimService,
  ApiProperties,
  NamedValueProperties,
  OperationProperties,
  PolicyProperties,
  ProductProperties,
  StoredEntity,
  SubscriptionProperties,
} from '../apim/index.js';
import { policyInFormat } from '../apim/index.js';
import { RESOURCE_GROUP, SUBSCRIPTION_ID } from './resources.js';

/** The resource id of a service. */
export function serviceResourceId(name: string): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ApiManagement/service/${name}`;
}

/** A service resource. */
export function serviceResource(service: ApimService, gatewayUrl: string): unknown {
  return {
    id: serviceResourceId(service.name),
    name: service.name,
    type: 'Microsoft.ApiManagement/service',
    location: 'portico',
    sku: { name: 'Developer', capacity: 1 },
    properties: {
      gatewayUrl,
      gatewayHostname: service.gatewayHostname,
      hostnameConfigurations: [
        { type: 'Proxy', hostName: service.gatewayHostname, defaultSslBinding: false },
      ],
      provisioningState: 'Succeeded',
      publicNetworkAccess: service.publicNetworkAccess,
      virtualNetworkType: service.virtualNetworkType,
      createdAtUtc: service.createdAt,
    },
  };
}

function child(service: ApimService, path: string, type: string, name: string, properties: unknown): unknown {
  return {
    id: `${serviceResourceId(service.name)}/${path}`,
    type: `Microsoft.ApiManagement/service/${type}`,
    name,
    properties,
  };
}

/** An API resource, named `name` (as the request gave its id: `x;rev=1`, decision 0123) or by its id. */
export function apiResource(
  service: ApimService,
  api: StoredEntity<ApiProperties>,
  name: string = api.id,
): unknown {
  return child(service, `apis/${name}`, 'apis', name, {
    ...api.properties,
    isCurrent: true,
    apiRevision: '1',
  });
}

/**
 * An operation resource (`id` is `<apiId>/<operationId>` in storage), under its API named `apiName` (as
 * the request gave it: `x;rev=1`) or by its id.
 */
export function operationResource(
  service: ApimService,
  apiId: string,
  operation: { id: string; properties: OperationProperties },
  apiName: string = apiId,
): unknown {
  const name = operation.id.includes('/') ? operation.id.slice(apiId.length + 1) : operation.id;
  return child(service, `apis/${apiName}/operations/${name}`, 'apis/operations', name, operation.properties);
}

/** A product resource. */
export function productResource(service: ApimService, product: StoredEntity<ProductProperties>): unknown {
  return child(service, `products/${product.id}`, 'products', product.id, product.properties);
}

/** A subscription resource: never with its keys (those need `listSecrets`). */
export function subscriptionResource(
  service: ApimService,
  subscription: StoredEntity<SubscriptionProperties>,
): unknown {
  return child(service, `subscriptions/${subscription.id}`, 'subscriptions', subscription.id, {
    ...subscription.properties,
    scope: `${serviceResourceId(service.name)}${subscription.properties.scope}`,
    ownerId:
      subscription.properties.ownerId === undefined
        ? null
        : `${serviceResourceId(service.name)}${subscription.properties.ownerId}`,
    createdDate: subscription.createdAt,
    stateComment: null,
  });
}

/** A named value resource: a secret value is never shown (it needs `listValue`). */
export function namedValueResource(
  service: ApimService,
  namedValue: StoredEntity<NamedValueProperties>,
): unknown {
  return child(service, `namedValues/${namedValue.id}`, 'namedValues', namedValue.id, {
    displayName: namedValue.properties.displayName,
    secret: namedValue.properties.secret,
    ...(namedValue.properties.secret ? {} : { value: namedValue.properties.value }),
    tags: namedValue.properties.tags ?? [],
  });
}

/** A policy resource at the path of its scope. */
export function policyResource(
  scopePath: string,
  policy: StoredEntity<PolicyProperties>,
  format: PolicyProperties['format'],
): unknown {
  return {
    id: `${scopePath}/policies/policy`,
    type: 'Microsoft.ApiManagement/service/policies',
    name: 'policy',
    properties: policyInFormat(policy.properties, format),
  };
}
