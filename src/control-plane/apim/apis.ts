/**
 * APIs and operations of an API Management service (spec/apim.md §1.1): an API is a path suffix, a
 * backend URL, protocols, whether it needs a subscription and how its key is named; an operation is a
 * method and a URL template under it.
 */
import { decodePathSegment, foldApiPath, foldUrlTemplate } from '../../gateway/index.js';
import { PorticoError } from '../../shared/errors.js';
import { isRecord } from '../../shared/guards.js';
import type { ControlContext } from '../context.js';
import { badField, booleanField, stringField, urlField } from './fields.js';
import {
  changeService,
  checkEntityId,
  deleteEntities,
  getEntity,
  listEntities,
  type StoredEntity,
  saveEntity,
} from './store.js';
import type { SubscriptionProperties } from './subscriptions.js';

/** Stored properties of an API. */
export interface ApiProperties {
  readonly displayName: string;
  /** Without leading or trailing `/`; `''` for the root. */
  readonly path: string;
  readonly serviceUrl: string;
  readonly protocols: readonly ('http' | 'https')[];
  readonly subscriptionRequired: boolean;
  readonly subscriptionKeyParameterNames: { readonly header: string; readonly query: string };
  /** Free text shown in the portal and the resource (absent in APIs saved before it was kept). */
  readonly description?: string;
}

/** Stored properties of an operation. */
export interface OperationProperties {
  readonly displayName: string;
  readonly method: string;
  readonly urlTemplate: string;
  readonly templateParameters: readonly {
    readonly name: string;
    readonly type: string;
    readonly required: boolean;
  }[];
}

/** The header an API reads its subscription key from unless it names another (APIM's default). */
export const DEFAULT_KEY_HEADER = 'Ocp-Apim-Subscription-Key';
export const DEFAULT_KEY_QUERY = 'subscription-key';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const METHOD = /^[A-Z]{1,20}$|^\*$/;

/** Reads and checks the properties of an API. */
export function parseApiProperties(id: string, props: Record<string, unknown>): ApiProperties {
  // Versions and revisions of an API (Azure's version sets) are not kept: refused, not dropped.
  for (const field of ['apiVersion', 'apiVersionSetId', 'apiVersionSet']) {
    if (props[field] !== undefined && props[field] !== null && props[field] !== '') {
      throw badField(
        field,
        'absent: Portico keeps one version of an API; give each version its own API and path',
        props[field],
      );
    }
  }
  // Azure's `properties.type` (the SDK's apiType) and `properties.apiType` (soapApiType): HTTP only here.
  for (const field of ['type', 'apiType']) {
    const kind = props[field];
    if (kind !== undefined && kind !== null && kind !== 'http') {
      throw badField(
        field,
        '"http": the gateway serves HTTP APIs only (no SOAP, GraphQL, WebSocket or gRPC)',
        kind,
      );
    }
  }
  const path = stringField(props, 'path')
    .trim()
    .replace(/^\/+|\/+$/g, '');
  if (path.length > 400 || /[?#\s{}]/.test(path) || path.split('/').some(isDotSegment)) {
    throw badField(
      'path',
      "a URL suffix such as 'api' or 'orders/v1' (no query, spaces, braces or dot segments)",
      props.path,
    );
  }
  if (path.split('/').some((segment) => decodePathSegment(segment) === undefined)) {
    throw badField(
      'path',
      "a URL suffix whose %-escapes are UTF-8, such as 'caf%C3%A9' or 'café' (calls are matched on the decoded path)",
      props.path,
    );
  }
  return {
    displayName: stringField(props, 'displayName', id),
    path,
    serviceUrl: urlField(props, 'serviceUrl'),
    protocols: parseProtocols(props.protocols),
    subscriptionRequired: booleanField(props, 'subscriptionRequired', true),
    subscriptionKeyParameterNames: parseKeyNames(props.subscriptionKeyParameterNames),
    ...descriptionOf(props.description),
  };
}

function descriptionOf(value: unknown): { description?: string } {
  if (value === undefined || value === null || value === '') {
    return {};
  }
  if (typeof value !== 'string' || value.length > 4000) {
    throw badField('description', 'a string of at most 4000 characters', value);
  }
  return { description: value };
}

function parseProtocols(value: unknown): ApiProperties['protocols'] {
  if (value === undefined) {
    return ['https'];
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw badField('protocols', 'a non-empty array of "http" and "https"', value);
  }
  const protocols = value.map((item) => (typeof item === 'string' ? item.toLowerCase() : item));
  for (const protocol of protocols) {
    if (protocol !== 'http' && protocol !== 'https') {
      throw badField(
        'protocols',
        'a non-empty array of "http" and "https" (WebSocket APIs are not supported)',
        value,
      );
    }
  }
  return [...new Set(protocols as ('http' | 'https')[])];
}

function parseKeyNames(value: unknown): ApiProperties['subscriptionKeyParameterNames'] {
  if (value === undefined || value === null) {
    return { header: DEFAULT_KEY_HEADER, query: DEFAULT_KEY_QUERY };
  }
  if (!isRecord(value)) {
    throw badField('subscriptionKeyParameterNames', 'an object {"header": "…", "query": "…"}', value);
  }
  const header = value.header ?? DEFAULT_KEY_HEADER;
  const query = value.query ?? DEFAULT_KEY_QUERY;
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) {
    throw badField('subscriptionKeyParameterNames.header', 'an HTTP header name', header);
  }
  if (typeof query !== 'string' || !/^[A-Za-z0-9_.~-]{1,100}$/.test(query)) {
    throw badField(
      'subscriptionKeyParameterNames.query',
      'a query parameter name of letters, digits, "-", "_", "." or "~"',
      query,
    );
  }
  return { header, query };
}

/**
 * A dot segment (`.` or `..`), also escaped (`%2e`, `.%2E`): a URL parser resolves it before the gateway
 * matches the path, so an API path or a URL template holding one could never be called.
 */
function isDotSegment(segment: string): boolean {
  const decoded = decodePathSegment(segment) ?? segment;
  return decoded === '.' || decoded === '..';
}

/** Reads and checks the properties of an operation. */
export function parseOperationProperties(id: string, props: Record<string, unknown>): OperationProperties {
  const method = stringField(props, 'method').toUpperCase();
  if (!METHOD.test(method)) {
    throw badField('method', 'an HTTP method such as GET or POST, or *', props.method);
  }
  const urlTemplate = stringField(props, 'urlTemplate');
  const problem = checkUrlTemplate(urlTemplate);
  if (problem !== undefined) {
    throw badField('urlTemplate', `a template such as "/users/{id}" (${problem})`, urlTemplate);
  }
  const names = templateParameterNames(urlTemplate);
  return {
    displayName: stringField(props, 'displayName', id),
    method,
    urlTemplate,
    templateParameters: names.map((name) => ({ name, type: 'string', required: true })),
  };
}

/** What is wrong with a URL template, if anything. */
export function checkUrlTemplate(template: string): string | undefined {
  if (!template.startsWith('/')) {
    return 'it must start with /';
  }
  if (/[\s#]/.test(template)) {
    return 'it must not contain spaces or #';
  }
  const path = template.split('?')[0] ?? '';
  const names = templateParameterNames(path);
  if (new Set(names).size !== names.length) {
    return 'a parameter name appears twice';
  }
  if (/[{}]/.test(path.replace(/\{[A-Za-z_][A-Za-z0-9_-]*\*?\}/g, ''))) {
    return 'braces must enclose a parameter name like {id}';
  }
  // Calls are matched on decoded segments (decision 0123), as API paths are (decision 0115).
  const segments = path.split('/');
  if (segments.some((segment) => decodePathSegment(segment) === undefined)) {
    return "its %-escapes must be UTF-8, such as '/caf%C3%A9' or '/a%20b': a call is matched on the decoded path";
  }
  if (segments.some(isDotSegment)) {
    return "no dot segments ('.' or '..', also escaped as %2e): a URL parser resolves them before matching";
  }
  return undefined;
}

function templateParameterNames(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_-]*)\*?\}/g)].map((match) => match[1] ?? '');
}

/**
 * Refuses a path suffix another API of the service uses (409). An API that keeps the path it has is let
 * through: a clash it is part of was stored before decision 0115 refused it, and refusing every change
 * would leave the operator no way to fix other properties (decision 0127).
 */
export async function checkApiPathFree(
  ctx: ControlContext,
  serviceId: string,
  id: string,
  path: string,
): Promise<void> {
  const apis = await listEntities<ApiProperties>(ctx, serviceId, 'api');
  if (apis.some((api) => api.id === id && api.properties.path === path)) {
    return;
  }
  const wanted = comparablePath(path);
  const clash = apis.find((api) => api.id !== id && comparablePath(api.properties.path) === wanted);
  if (clash !== undefined) {
    throw new PorticoError(
      'CONTROL_APIM_CONFLICT',
      `The API '${clash.id}' already uses the path '${clash.properties.path}' (paths are compared decoded and without case); each API needs its own path suffix.`,
    );
  }
}

/**
 * A path suffix as the gateway matches it ({@link foldApiPath}, decision 0115), so that `café` and
 * `caf%C3%A9` are one path.
 */
function comparablePath(path: string): string {
  return JSON.stringify(foldApiPath(path));
}

/** Creates or replaces an API; its path must not be another API's. */
export async function putApi(
  ctx: ControlContext,
  serviceId: string,
  id: string,
  props: Record<string, unknown>,
): Promise<{ api: StoredEntity<ApiProperties>; created: boolean }> {
  checkEntityId('api', id);
  const properties = parseApiProperties(id, props);
  await checkApiPathFree(ctx, serviceId, id, properties.path);
  const created = await saveEntity(ctx, serviceId, 'api', id, properties);
  return { api: await getEntity<ApiProperties>(ctx, serviceId, 'api', id), created };
}

/**
 * Deletes an API with its operations, its product memberships, its policies and the subscriptions scoped
 * to it alone (decision 0058): a subscription left behind would open, with its old keys, whatever API is
 * created later under the same id.
 */
export async function deleteApi(ctx: ControlContext, serviceId: string, id: string): Promise<void> {
  await getEntity(ctx, serviceId, 'api', id);
  const memberships = (await listEntities(ctx, serviceId, 'product-api')).filter((entry) =>
    entry.id.endsWith(`/${id}`),
  );
  await changeService(ctx, serviceId, async (trx) => {
    const subscriptions = await listEntities<SubscriptionProperties>(
      ctx,
      serviceId,
      'subscription',
      undefined,
      trx,
    );
    for (const subscription of subscriptions) {
      if (subscription.properties.scope === `/apis/${id}`) {
        await deleteEntities(ctx, serviceId, 'subscription', { id: subscription.id }, trx);
      }
    }
    await deleteEntities(ctx, serviceId, 'api', { id }, trx);
    await deleteEntities(ctx, serviceId, 'operation', { prefix: `${id}/` }, trx);
    for (const membership of memberships) {
      await deleteEntities(ctx, serviceId, 'product-api', { id: membership.id }, trx);
    }
    await deleteEntities(ctx, serviceId, 'policy', { id: `api:${id}` }, trx);
    await deleteEntities(ctx, serviceId, 'policy', { prefix: `operation:${id}/` }, trx);
  });
}

/** Creates or replaces an operation of an existing API. */
export async function putOperation(
  ctx: ControlContext,
  serviceId: string,
  apiId: string,
  id: string,
  props: Record<string, unknown>,
): Promise<{ operation: StoredEntity<OperationProperties>; created: boolean }> {
  await getEntity(ctx, serviceId, 'api', apiId);
  checkEntityId('operation', id);
  const properties = parseOperationProperties(id, props);
  const key = `${apiId}/${id}`;
  const twin = await findTwinOperation(ctx, serviceId, apiId, key, properties);
  if (twin !== undefined) {
    throw new PorticoError(
      'CONTROL_APIM_CONFLICT',
      `The operation '${twin.id.slice(apiId.length + 1)}' of the API '${apiId}' already answers ${properties.method} ${properties.urlTemplate}${sameAs(twin.properties.urlTemplate, properties.urlTemplate)}; the gateway could not tell the two apart. Change that one, or use another method or URL template.`,
    );
  }
  const created = await saveEntity(ctx, serviceId, 'operation', key, properties);
  return { operation: await getEntity<OperationProperties>(ctx, serviceId, 'operation', key), created };
}

/**
 * Another operation of the API that answers the same calls (the same method and template once folded, as
 * the gateway matches them: `/a%20c` and `/A%20C` are one, decision 0123). None when the operation keeps
 * its method and template: a clash it is part of was stored before 0123 refused it (decision 0127).
 */
async function findTwinOperation(
  ctx: ControlContext,
  serviceId: string,
  apiId: string,
  key: string,
  wanted: OperationProperties,
): Promise<StoredEntity<OperationProperties> | undefined> {
  const operations = await listEntities<OperationProperties>(ctx, serviceId, 'operation', `${apiId}/`);
  const unchanged = ({ id, properties }: StoredEntity<OperationProperties>) =>
    id === key && properties.method === wanted.method && properties.urlTemplate === wanted.urlTemplate;
  if (operations.some(unchanged)) {
    return undefined;
  }
  const shape = (o: OperationProperties) => `${o.method} ${foldUrlTemplate(o.urlTemplate)}`;
  return operations.find((other) => other.id !== key && shape(other.properties) === shape(wanted));
}

/** How a clashing template is written when it is not as the new one is (they are one once folded). */
function sameAs(existing: string, wanted: string): string {
  return existing === wanted ? '' : ` (its template ${existing} is the same once decoded and without case)`;
}

/** Deletes an operation and its policy. */
export async function deleteOperation(
  ctx: ControlContext,
  serviceId: string,
  apiId: string,
  id: string,
): Promise<void> {
  await getEntity(ctx, serviceId, 'operation', `${apiId}/${id}`);
  await changeService(ctx, serviceId, async (trx) => {
    await deleteEntities(ctx, serviceId, 'operation', { id: `${apiId}/${id}` }, trx);
    await deleteEntities(ctx, serviceId, 'policy', { id: `operation:${apiId}/${id}` }, trx);
  });
}
