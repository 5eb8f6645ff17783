/**
 * The policy of each API Management scope (the service, a product, an API, an operation) as an entity:
 * one `{scope}/policies/policy` item with GET, PUT and DELETE, the same entry at every scope.
 */
import {
  deletePolicy,
  getPolicy,
  listPolicies,
  type PolicyProperties,
  type PolicyTarget,
  parsePolicyFormat,
  putPolicy,
  type StoredEntity,
} from '../apim/index.js';
import { SERVICE_PATH, type ServiceCall } from './apim-entities.js';
import { policyResource } from './apim-resources.js';
import type { Entity } from './entity-routes.js';
import { decodedPath } from './params.js';

/** A scope that holds a policy: its path, its name in summaries, and the policy target the path names. */
interface PolicyScope {
  readonly path: string;
  readonly label: string;
  readonly target: (at: ServiceCall) => PolicyTarget;
}

const SCOPES: readonly PolicyScope[] = [
  { path: SERVICE_PATH, label: 'the service (global)', target: () => ({ scope: 'global' }) },
  {
    path: `${SERVICE_PATH}/products/{productId}`,
    label: 'a product',
    target: (at) => ({ scope: 'product', productId: at.param('productId') }),
  },
  {
    path: `${SERVICE_PATH}/apis/{apiId}`,
    label: 'an API',
    target: (at) => ({ scope: 'api', apiId: at.param('apiId') }),
  },
  {
    path: `${SERVICE_PATH}/apis/{apiId}/operations/{operationId}`,
    label: 'an operation',
    target: (at) => ({ scope: 'operation', apiId: at.param('apiId'), operationId: at.param('operationId') }),
  },
];

const EMPTY_POLICY =
  '<policies><inbound><base /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>';

/** The `format` of a GET (`xml` unless it asks for `rawxml`; a 400 for anything else); `xml` otherwise. */
function formatOf(at: ServiceCall): PolicyProperties['format'] {
  const method = at.r.req.method ?? 'GET';
  return method === 'GET' || method === 'HEAD' ? parsePolicyFormat(at.r.query.get('format')) : 'xml';
}

/**
 * The path of the scope the request names, as sent but decoded (`…/apis/x;rev=1`, as Azure names it,
 * even when the client sent `x%3Brev%3D1`): the policy's resource id is below it; a list's too.
 */
function scopePath(at: ServiceCall): string {
  return decodedPath(
    new URL(at.r.req.url ?? '/', 'http://x').pathname.replace(/\/policies(?:\/policy)?$/i, ''),
  );
}

function policyEntity({
  path,
  label,
  target,
}: PolicyScope): Entity<ServiceCall, StoredEntity<PolicyProperties>> {
  return {
    path: `${path}/policies/policy`,
    names: { one: `the policy of ${label}`, plural: 'policies', parent: label },
    summaries: {
      put: `Set the policy of ${label} (checked: malformed XML or an unsupported policy is refused with its line)`,
    },
    examples: { put: { properties: { format: 'rawxml', value: EMPTY_POLICY } } },
    // A PUT answers with the policy as stored (XML), as Azure does; a GET in the `format` it asks for.
    resource: (at, policy) => policyResource(scopePath(at), policy, formatOf(at)),
    // Azure's `listByService`, `listByApi` …: the scope's one policy, or none (404 for a missing scope).
    list: (at) => {
      formatOf(at);
      return listPolicies(at.ctx, at.service.id, target(at));
    },
    listFields: { properties: ['format', 'value'] satisfies (keyof PolicyProperties)[] },
    get: (at) => {
      formatOf(at);
      return getPolicy(at.ctx, at.service.id, target(at));
    },
    put: async (at) => {
      const { policy, created } = await putPolicy(at.ctx, at.service.id, target(at), await at.properties());
      return { entity: policy, created };
    },
    delete: (at) => deletePolicy(at.ctx, at.service.id, target(at)),
  };
}

/** The policy entities, one per scope, in route-table order. */
export const POLICY_ENTITIES: readonly Entity<ServiceCall, unknown>[] = SCOPES.map(policyEntity);
