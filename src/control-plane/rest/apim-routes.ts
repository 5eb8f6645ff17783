/**
 * The API Management routes of the management API (docs/rest-api.md): the services themselves here, and
 * the entities under a service (APIs, operations, products and their APIs, subscriptions with their keys,
 * named values, the policy of every scope) from their table entries (decision 0042).
 */
import { createHash } from 'node:crypto';
import { PorticoError } from '../../shared/errors.js';
import { isRecord } from '../../shared/guards.js';
import { clip, quoteValue } from '../../shared/quote.js';
import {
  type ApimService,
  deleteApimService,
  findApimService,
  getApimService,
  listApimServices,
  putApimService,
  type StoredEntity,
} from '../apim/index.js';
import type { ControlContext } from '../context.js';
import { parseApiAddress } from './api-revision.js';
import { API_PATH, APIM_ENTITIES, SERVICE_PATH, SERVICES, type ServiceCall } from './apim-entities.js';
import { POLICY_ENTITIES } from './apim-policy-entities.js';
import { serviceResource } from './apim-resources.js';
import { createEntityRoutes } from './entity-routes.js';
import { readJson } from './http.js';
import { withKnownKeys } from './known-keys.js';
import { checkScope, checkSubscription, propertiesOf } from './params.js';
import type { Route, RouteRequest } from './router.js';

/** The API Management routes. */
export function createApimRoutes(ctx: ControlContext): Route[] {
  return [
    ...serviceRoutes(ctx),
    ...createEntityRoutes({
      auth: 'admin',
      callOf: (r, route) => serviceCallOf(ctx, r, route),
      entities: [...APIM_ENTITIES, ...POLICY_ENTITIES],
      etagOf: entityTagOf,
      // Azure creates an entity a PUT with `If-Match: *` names when there is none (decision 0127).
      ifMatchAnyCreates: true,
    }),
  ];
}

/**
 * The entity tag of a stored entity's version: its last change and its properties, hashed. Two reads of
 * one version give one tag; any write gives a new one.
 */
function entityTagOf(entity: unknown): string {
  const { updatedAt, properties } = entity as StoredEntity<unknown>;
  const digest = createHash('sha256')
    .update(`${updatedAt}\n${JSON.stringify(properties)}`)
    .digest('hex');
  return `"${digest.slice(0, 24)}"`;
}

async function serviceOf(ctx: ControlContext, r: RouteRequest): Promise<ApimService> {
  checkScope(r.params);
  return getApimService(ctx, r.params.serviceName ?? '');
}

/**
 * The call object of the entities under a service: the service is looked up first (404 when none), then
 * the API the path names, if any (`x;rev=1` is `x`, decision 0123).
 */
async function serviceCallOf(
  ctx: ControlContext,
  r: RouteRequest,
  route: Pick<Route, 'method' | 'path'>,
): Promise<ServiceCall> {
  const service = await serviceOf(ctx, r);
  const raw = r.params.apiId;
  const api =
    raw === undefined ? undefined : parseApiAddress(raw, route.method === 'PUT' && route.path === API_PATH);
  return {
    ctx,
    service,
    r,
    param: (name) => (name === 'apiId' && api !== undefined ? api.id : param(r, name)),
    apiName: (id) => (api !== undefined && api.id === id ? api.name : id),
    properties: async (limit = 1024 * 1024) => propertiesOf(await readJson(r.req, limit)),
  };
}

function param(r: RouteRequest, name: string): string {
  return r.params[name] ?? '';
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
      path: SERVICE_PATH,
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
        const body = await readJson(r.req, 64 * 1024);
        checkServiceSku(body);
        const props = withKnownKeys(
          propertiesOf(body),
          ['publicNetworkAccess', 'virtualNetworkType'],
          'properties.',
        );
        const name = param(r, 'serviceName');
        if (r.req.headers['if-none-match'] === '*' && (await findApimService(ctx, name)) !== undefined) {
          throw new PorticoError(
            'CONTROL_APIM_CONFLICT',
            `An API Management service named '${name}' exists already; pick another name.`,
          );
        }
        const { service, created } = await putApimService(ctx, name, props);
        return { status: created ? 201 : 200, body: view(service) };
      },
    },
    {
      method: 'GET',
      path: SERVICE_PATH,
      auth: 'admin',
      summary: 'Get an API Management service',
      handler: async (r) => ({ status: 200, body: view(await serviceOf(ctx, r)) }),
    },
    {
      method: 'DELETE',
      path: SERVICE_PATH,
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

const OFFERED_SKU =
  'Portico offers one API Management sku, Developer with capacity 1 (what every service answers): send "sku": { "name": "Developer", "capacity": 1 } or leave sku out';

/**
 * The `sku` of a service's PUT: Developer (any case) with capacity 1 or none, or no sku at all. Any other
 * is refused, since the service would answer Developer anyway and a script would believe it got what it
 * asked for.
 */
function checkServiceSku(body: unknown): void {
  const sku = isRecord(body) ? withKnownKeys(body, ['sku']).sku : undefined;
  if (sku === undefined || sku === null) {
    return;
  }
  if (!isRecord(sku)) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `sku must be an object, got ${quoteValue(sku)}. ${OFFERED_SKU}.`,
    );
  }
  const { name, capacity } = withKnownKeys(sku, ['name', 'capacity']);
  if (typeof name !== 'string' || name.toLowerCase() !== 'developer') {
    const shown = typeof name === 'string' ? `'${clip(name)}'` : quoteValue(name);
    throw new PorticoError('CONTROL_BAD_REQUEST', `sku.name ${shown} is not offered. ${OFFERED_SKU}.`);
  }
  if (capacity !== undefined && capacity !== null && capacity !== 1) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `sku.capacity ${quoteValue(capacity)} is not offered. ${OFFERED_SKU}.`,
    );
  }
}
