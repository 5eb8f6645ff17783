/**
 * What the lists below a service read besides `$filter`, `$top` and `$skip` (decision 0090): the fields
 * each list's `$filter` may name, and Azure's list parameters, honoured where the answer is known
 * (`isKeyVaultRefreshFailed`) and refused where Portico cannot honour them (`tags`, `expandGroups`); and
 * Azure's API export, which shares the API's path and is refused rather than answered with the API.
 */
import { PorticoError } from '../../shared/errors.js';
import { clip } from '../../shared/quote.js';
import type {
  ApiProperties,
  NamedValueProperties,
  OperationProperties,
  ProductProperties,
  SubscriptionProperties,
} from '../apim/index.js';
import type { ListFields } from './list-fields.js';
import type { RouteRequest } from './router.js';

/** The properties of an API resource (`apiResource` adds `isCurrent` and `apiRevision`). */
export const API_FIELDS: ListFields = {
  properties: [
    'displayName',
    'path',
    'serviceUrl',
    'protocols',
    'subscriptionRequired',
    'subscriptionKeyParameterNames',
    'description',
    'isCurrent',
    'apiRevision',
  ] satisfies (keyof ApiProperties | 'isCurrent' | 'apiRevision')[],
};

/** The properties of an operation resource. */
export const OPERATION_FIELDS: ListFields = {
  properties: [
    'displayName',
    'method',
    'urlTemplate',
    'templateParameters',
  ] satisfies (keyof OperationProperties)[],
};

/** The properties of a product resource. */
export const PRODUCT_FIELDS: ListFields = {
  properties: [
    'displayName',
    'description',
    'state',
    'subscriptionRequired',
    'approvalRequired',
    'subscriptionsLimit',
    'terms',
  ] satisfies (keyof ProductProperties)[],
};

/** The properties of a named value resource (`value` only on one that is not secret). */
export const NAMED_VALUE_FIELDS: ListFields = {
  properties: ['displayName', 'secret', 'value', 'tags'] satisfies (keyof NamedValueProperties)[],
};

/** The last segment of a property that is a resource id ending in `/{kind}/{id}`, else null. */
function idIn(property: string, kind: string): (resource: unknown) => string | null {
  const pattern = new RegExp(`/${kind}/([^/]+)$`);
  return (resource) => {
    const value = (resource as { properties?: Record<string, unknown> }).properties?.[property];
    return typeof value === 'string' ? (pattern.exec(value)?.[1] ?? null) : null;
  };
}

/**
 * The properties of a subscription resource, and Azure's `productId` (the product of a product scope,
 * else null) and `userId` (the owner's id, else null).
 */
export const SUBSCRIPTION_FIELDS: ListFields = {
  properties: [
    'displayName',
    'scope',
    'state',
    'allowTracing',
    'ownerId',
    'createdDate',
    'stateComment',
  ] satisfies (keyof SubscriptionProperties | 'createdDate' | 'stateComment')[],
  derived: { productId: idIn('scope', 'products'), userId: idIn('ownerId', 'users') },
};

/** Why `tags` cannot be honoured on the lists of APIs and products. */
export const NO_TAGS = 'Portico keeps no tags on APIs and products, so a list by tags would be empty';

/**
 * A 400 for a list parameter of Azure's that would change the answer in a way Portico cannot; `harmless`
 * is a value that asks for nothing (`expandGroups=false`).
 */
export function refuseListParameter(
  query: URLSearchParams,
  name: string,
  why: string,
  harmless?: string,
): void {
  const value = query.get(name);
  if (value === null || (harmless !== undefined && value.toLowerCase() === harmless)) {
    return;
  }
  throw new PorticoError(
    'CONTROL_BAD_REQUEST',
    `The list parameter '${name}' is not supported here: ${why}. Leave it out (and filter with $filter where it helps).`,
  );
}

/**
 * Azure's `isKeyVaultRefreshFailed` list parameter: true asks for the named values whose Key Vault secret
 * could not be read, which is none, since Portico keeps no Key Vault references.
 */
export function keyVaultRefreshFailed(query: URLSearchParams): boolean {
  const value = query.get('isKeyVaultRefreshFailed');
  if (value === null || /^(?:true|false)$/i.test(value)) {
    return value?.toLowerCase() === 'true';
  }
  throw new PorticoError(
    'CONTROL_BAD_REQUEST',
    `isKeyVaultRefreshFailed must be true or false, got '${clip(value)}'.`,
  );
}

/**
 * Azure's `Api Export - Get` is `GET {api}?export=true&format=…`, on the API's own path: a 501, never the
 * API resource, which a script would take for an empty export.
 */
export function refuseExport(r: RouteRequest, apiId: string): void {
  const exported = r.query.get('export');
  const reading = r.req.method === 'GET' || r.req.method === 'HEAD';
  if (!reading || exported === null || exported.toLowerCase() === 'false') {
    return;
  }
  const format = r.query.get('format') ?? '';
  const api = `…/apis/${clip(apiId)}`;
  throw new PorticoError(
    'CONTROL_NOT_SUPPORTED',
    `Portico does not implement the export of an API (GET ${api}?export=${clip(exported)}&format=${clip(format)}, Azure's Api Export - Get); GET ${api} and ${api}/operations answer its properties and operations.`,
  );
}
